/* dough: theme toggle, section menu, table-of-contents highlight and search.
   No libraries; the page works without it, except search and the toggle. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  var header = doc.querySelector(".site-header");
  var THEME_KEY = "knead-theme";

  function stored() {
    try { return localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }

  /* ---------- Theme: automatic (follows the OS, the default), light or dark ---------- */
  var themeButton = doc.getElementById("theme-toggle");
  var darkQuery = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
  var ACTIONS = { auto: "Follow the system theme", light: "Use the light theme", dark: "Use the dark theme" };
  function osTheme() { return darkQuery && darkQuery.matches ? "dark" : "light"; }
  function choice() {
    var c = stored();
    return c === "light" || c === "dark" ? c : "auto";
  }
  /* A press first switches to the look the page does not have, so it always
     shows a change; the third press goes back to following the OS. */
  function nextChoice(current) {
    var os = osTheme();
    if (current === "auto") return os === "dark" ? "light" : "dark";
    return current === os ? "auto" : os;
  }
  function applyTheme() {
    var c = choice();
    root.setAttribute("data-theme", c === "auto" ? osTheme() : c);
    root.setAttribute("data-theme-choice", c);
    if (themeButton) {
      var label = ACTIONS[nextChoice(c)];
      themeButton.setAttribute("aria-label", label);
      themeButton.setAttribute("title", label);
    }
  }
  if (themeButton) {
    applyTheme();
    themeButton.hidden = false;
    themeButton.addEventListener("click", function () {
      var next = nextChoice(choice());
      try {
        if (next === "auto") localStorage.removeItem(THEME_KEY); else localStorage.setItem(THEME_KEY, next);
      } catch (e) { /* private mode: not remembered */ }
      applyTheme();
    });
    if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener("change", applyTheme);
  }

  /* ---------- Section menu (narrow screens) ---------- */
  var navButton = doc.getElementById("nav-toggle");
  var nav = doc.getElementById("site-nav");
  /* While the menu covers the page, the page behind it is out of reach. */
  var behindMenu = [doc.getElementById("main"), doc.querySelector(".site-footer")].filter(Boolean);
  function navOpen() { return !!navButton && navButton.getAttribute("aria-expanded") === "true"; }
  function setNav(open, returnFocus) {
    if (!navButton || !nav) return;
    navButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var bottom = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
      nav.style.setProperty("--nav-top", bottom + "px");
      nav.setAttribute("data-open", "");
    } else {
      nav.removeAttribute("data-open");
    }
    behindMenu.forEach(function (el) { el.inert = open; });
    root.classList.toggle("nav-open", open);
    if (!open && returnFocus) navButton.focus();
  }
  if (navButton && nav) {
    navButton.addEventListener("click", function () { setNav(!navOpen(), false); });
    doc.addEventListener("click", function (event) {
      if (navOpen() && !nav.contains(event.target) && !navButton.contains(event.target)) setNav(false, false);
    });
    var wide = window.matchMedia && window.matchMedia("(min-width: 960px)");
    if (wide && wide.addEventListener) {
      wide.addEventListener("change", function (event) { if (event.matches) setNav(false, false); });
    }
    /* Tab cycles through the button and the menu's links only. */
    doc.addEventListener("keydown", function (event) {
      if (event.key !== "Tab" || !navOpen()) return;
      var ring = [navButton].concat([].slice.call(nav.querySelectorAll("a[href]")));
      var at = ring.indexOf(doc.activeElement);
      var to = at < 0 ? 0 : (at + (event.shiftKey ? ring.length - 1 : 1)) % ring.length;
      event.preventDefault();
      ring[to].focus();
    });
  }
  doc.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && navOpen() && !event.defaultPrevented) {
      setNav(false, true);
    }
  });

  /* ---------- Messages for screen readers, shown briefly on screen too ---------- */
  var toast = null;
  var toastTimer = 0;
  function announce(text) {
    if (!toast) return;
    toast.textContent = text;
    toast.classList.add("is-shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.classList.remove("is-shown"); }, 3000);
  }

  /* ---------- Heading anchors: follow the link and copy its address ---------- */
  var anchors = doc.querySelectorAll(".heading-anchor");
  if (anchors.length) {
    /* In the page from the start: a live region added just before a message is often not read. */
    toast = doc.createElement("p");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    toast.setAttribute("aria-live", "polite");
    doc.body.appendChild(toast);
  }
  [].forEach.call(anchors, function (a) {
    a.addEventListener("click", function () {
      var heading = a.parentNode;
      var title = heading ? heading.textContent.replace(a.textContent, "").trim() : "";
      var done = function () { announce("Link to \u201c" + title + "\u201d copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(a.href).then(done, function () {
          announce("Link to \u201c" + title + "\u201d is in the address bar");
        });
      } else {
        announce("Link to \u201c" + title + "\u201d is in the address bar");
      }
    });
  });

  /* ---------- Table of contents: highlight the section being read ---------- */
  var tocLinks = [].slice.call(doc.querySelectorAll('.toc a[href^="#"]'));
  if (tocLinks.length && window.IntersectionObserver) {
    var ids = [];
    tocLinks.forEach(function (a) {
      var id = a.getAttribute("href").slice(1);
      try { id = decodeURIComponent(id); } catch (e) { /* keep as written */ }
      if (ids.indexOf(id) < 0) ids.push(id);
    });
    var targets = ids.map(function (id) { return doc.getElementById(id); });
    var above = ids.map(function () { return false; });
    var atEnd = false;
    var mark = function () {
      var current = atEnd ? ids.length - 1 : above.lastIndexOf(true);
      tocLinks.forEach(function (a) {
        a.classList.toggle("is-current", current >= 0 && a.getAttribute("href") === "#" + ids[current]);
      });
    };
    /* Observers report crossings with the geometry they measured anyway, so
       scrolling never makes the page lay itself out again to ask. A heading
       counts as read once it passes under the sticky header. The observed
       area runs from that line far below the screen, so a jump (Page Down, a
       link) that carries a heading from below the screen to above the line
       still crosses an edge and is reported. */
    var line = (header ? header.offsetHeight : 0) + 32;
    var headingSpy = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var i = targets.indexOf(entry.target);
        if (i >= 0) above[i] = entry.boundingClientRect.top < entry.rootBounds.top;
      });
      mark();
    }, { rootMargin: "-" + line + "px 0px 100000px 0px", threshold: [0, 1] });
    targets.forEach(function (t) { if (t) headingSpy.observe(t); });
    /* The last sections may be too short to reach the line: at the end of the page, the last one is current. */
    var footer = doc.querySelector(".site-footer");
    if (footer) {
      new IntersectionObserver(function (entries) {
        atEnd = entries[entries.length - 1].isIntersecting;
        mark();
      }, { threshold: 0.5 }).observe(footer);
    }
  }

  /* ---------- Wide tables scroll inside themselves: a cue, a name and the keyboard ---------- */
  [].forEach.call(doc.querySelectorAll(".prose table"), function (table) {
    var ownTabindex = table.hasAttribute("tabindex");
    var heading = null;
    for (var el = table.previousElementSibling; el && !heading; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) heading = el;
    }
    var name = heading ? heading.textContent.replace(/\u00b6/g, "").trim() : "";
    var edges = function () {
      var left = table.scrollLeft;
      table.classList.toggle("is-scrolled", left > 1);
      table.classList.toggle("at-end", left + table.clientWidth >= table.scrollWidth - 1);
    };
    var measure = function () {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      table.classList.toggle("is-scrollable", scrolls);
      if (ownTabindex) return edges();
      if (scrolls) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("aria-label", (name ? name + ", table" : "Table") + " (scrolls sideways)");
      } else {
        table.removeAttribute("tabindex");
        table.removeAttribute("aria-label");
      }
      edges();
    };
    table.addEventListener("scroll", edges, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(measure).observe(table); else measure();
  });

  /* ---------- Print: where links go, and the day it was printed ---------- */
  [].forEach.call(doc.querySelectorAll('.prose a[href]:not([href^="#"]), .disclaimer a[href]'), function (a) {
    a.setAttribute("data-print-href", a.href);
  });
  var printDate = doc.querySelector(".print-date");
  if (printDate) {
    var today = function () {
      printDate.textContent = "Printed " + new Date().toLocaleDateString(root.lang || undefined, { year: "numeric", month: "long", day: "numeric" });
    };
    today();
    window.addEventListener("beforeprint", today);
  }

  /* ---------- Search ---------- */
  /* The index comes in pieces (docs/search-index.md): nothing is fetched
     until the reader types; then search.js, the manifest, the shards the
     query's words are in, and one fragment per result shown. */
  var form = doc.getElementById("search");
  if (!form) return;
  var input = doc.getElementById("search-input");
  var results = doc.getElementById("search-results");
  var status = doc.getElementById("search-status");
  var panel = form.querySelector(".search-panel") || results;
  var indexUrl = form.getAttribute("data-index");
  var scriptUrl = form.getAttribute("data-script");
  var PAGE_SIZE = 10;
  var SNIPPET_WORDS = 24;
  var searcher = null;
  var loading = null;
  var generation = 0;
  if (!input || !results || !status || !indexUrl || !scriptUrl) return;
  /* The index's files sit beside the manifest. */
  var indexBase = indexUrl.slice(0, indexUrl.lastIndexOf("/") + 1);

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function loadScript() {
    return new Promise(function (resolve, reject) {
      if (window.DoughSearch) { resolve(); return; }
      var script = doc.createElement("script");
      script.src = scriptUrl;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("search.js")); };
      doc.head.appendChild(script);
    });
  }

  function load() {
    if (!loading) {
      loading = Promise.all([loadScript(), getJSON(indexUrl)]).then(function (loaded) {
        searcher = new window.DoughSearch.Searcher(loaded[1], function (path) { return getJSON(indexBase + path); });
        return searcher;
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function appendPieces(el, pieces) {
    pieces.forEach(function (piece) {
      if (piece.mark) {
        var mark = doc.createElement("mark");
        mark.textContent = piece.text;
        el.appendChild(mark);
      } else {
        el.appendChild(doc.createTextNode(piece.text));
      }
    });
  }

  function span(className) {
    var el = doc.createElement("span");
    el.className = className;
    return el;
  }

  /* One result: the page (title, section), and under it the heading whose
     section matched best, linked with its #id, with a snippet from one block. */
  function resultItem(fragment, parsed) {
    var li = doc.createElement("li");
    li.className = "sr-item";
    var place = searcher.bestPlace(fragment, parsed);
    var pageLink = doc.createElement("a");
    pageLink.href = fragment.url;
    pageLink.className = "sr-page";
    var title = span("sr-title");
    appendPieces(title, searcher.marked(fragment.title, parsed));
    pageLink.appendChild(title);
    if (fragment.section) {
      var section = span("sr-section");
      section.textContent = fragment.section;
      pageLink.appendChild(section);
    }
    li.appendChild(pageLink);
    var snippetText = place.block || fragment.description;
    var heading = place.heading >= 0 && fragment.headings[place.heading];
    var target = pageLink;
    if (heading && heading[0]) {
      target = doc.createElement("a");
      target.href = fragment.url + "#" + encodeURIComponent(heading[0]);
      target.className = "sr-sub";
      var headingTitle = span("sr-heading");
      appendPieces(headingTitle, searcher.marked(heading[1], parsed));
      target.appendChild(headingTitle);
      li.appendChild(target);
    }
    if (snippetText) {
      var snip = span("sr-snippet");
      appendPieces(snip, place.block ? searcher.snippet(place.block, parsed, SNIPPET_WORDS) : [{ text: snippetText, mark: false }]);
      target.appendChild(snip);
    }
    return li;
  }

  function openPanel(open) {
    panel.classList.toggle("is-open", open);
  }

  function clearResults() {
    generation++;
    results.textContent = "";
    status.textContent = "";
    openPanel(false);
  }

  function setStatus(shown, total) {
    status.textContent = total === 0 ? "No results"
      : shown < total ? "Showing " + shown + " of " + total + " results"
      : total === 1 ? "1 result" : total + " results";
  }

  /* Shows the next PAGE_SIZE hits, each once its fragment is in. */
  function showMore(found, mine, list, focusFirst) {
    var start = list.children.length;
    var slice = found.hits.slice(start, start + PAGE_SIZE);
    return Promise.all(slice.map(function (hit) { return searcher.fragment(hit.page); })).then(function (fragments) {
      if (mine !== generation) return;
      var items = fragments.map(function (f) { return resultItem(f, found.words); });
      items.forEach(function (li) { list.appendChild(li); });
      var more = results.querySelector(".sr-more");
      var shown = list.children.length;
      if (shown < found.hits.length && !more) {
        more = doc.createElement("button");
        more.type = "button";
        more.className = "sr-more";
        more.textContent = "Show more results";
        more.addEventListener("click", function () {
          var mineNow = generation;
          showMore(found, mineNow, list, true);
        });
        results.appendChild(more);
      } else if (shown >= found.hits.length && more) {
        more.parentNode.removeChild(more);
        if (focusFirst) input.focus();
      }
      if (focusFirst && items.length) items[0].querySelector("a").focus();
      setStatus(shown, found.hits.length);
    });
  }

  function render(found, mine) {
    results.textContent = "";
    var list = doc.createElement("ul");
    results.appendChild(list);
    if (!found.hits.length) {
      setStatus(0, 0);
      openPanel(true);
      return Promise.resolve();
    }
    openPanel(true);
    return showMore(found, mine, list, false);
  }

  function search() {
    var query = input.value.trim();
    if (query.length < 2) { clearResults(); return; }
    var mine = ++generation;
    if (!searcher) {
      openPanel(true);
      status.textContent = "Loading\u2026";
    }
    load().then(function () {
      return searcher.search(query);
    }).then(function (found) {
      if (mine === generation) return render(found, mine);
    }).catch(function () {
      if (mine === generation) status.textContent = "Search is not available right now.";
    });
  }

  function resultControls() { return [].slice.call(results.querySelectorAll("a, button")); }

  input.addEventListener("input", search);
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      var links = resultControls();
      if (links.length) { event.preventDefault(); links[0].focus(); }
    } else if (event.key === "Escape") {
      if (panel.classList.contains("is-open")) {
        event.preventDefault();
        clearResults();
      }
    }
  });
  results.addEventListener("keydown", function (event) {
    var links = resultControls();
    var i = links.indexOf(doc.activeElement);
    if (i < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      links[Math.min(i + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (i === 0) input.focus(); else links[i - 1].focus();
    } else if (event.key === "Home") {
      event.preventDefault();
      links[0].focus();
    } else if (event.key === "End") {
      event.preventDefault();
      links[links.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      clearResults();
      input.focus();
    }
  });
  /* With JavaScript the form does not leave the page: Enter opens the first result. */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var links = results.querySelectorAll("a");
    if (links.length) window.location.href = links[0].href;
  });
  form.addEventListener("focusout", function (event) {
    var next = event.relatedTarget;
    if (next && !form.contains(next)) clearResults();
  });
  doc.addEventListener("click", function (event) {
    if (panel.classList.contains("is-open") && !form.contains(event.target)) clearResults();
  });
  doc.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    event.preventDefault();
    if (navOpen()) setNav(false, false);
    input.focus();
  });
})();
