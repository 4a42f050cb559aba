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
  var form = doc.getElementById("search");
  if (!form) return;
  var input = doc.getElementById("search-input");
  var results = doc.getElementById("search-results");
  var status = doc.getElementById("search-status");
  var panel = form.querySelector(".search-panel") || results;
  var indexUrl = form.getAttribute("data-index");
  var MAX_RESULTS = 10;
  var SNIPPET_WORDS = 20;
  var pages = null;
  var loading = null;
  var generation = 0;
  if (!input || !results || !status || !indexUrl) return;
  form.hidden = false;

  function load() {
    if (!loading) {
      loading = fetch(indexUrl, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          pages = (data && data.pages ? data.pages : []).map(function (p) {
            return {
              title: String(p.title || ""),
              url: String(p.url || ""),
              description: String(p.description || ""),
              headings: (p.headings || []).join("\n"),
              body: String(p.body || "")
            };
          });
          return pages;
        });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/['\u2019]/g, "['\u2019]");
  }
  var WORD_START = "(^|[^\\p{L}\\p{N}])";

  /* The words of a query, each to match the start of a word in the text. */
  function queryWords(query) {
    var seen = {};
    return query.split(/\s+/).map(function (w) {
      return w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    }).filter(function (w) {
      var key = w.toLowerCase();
      if (!w || seen[key]) return false;
      seen[key] = true;
      return true;
    });
  }

  /* Every word must match; a word found in the title outweighs one in the
     headings, then the description, then the body. Ties: more body hits,
     then a title that starts with the first word. */
  function score(page, patterns) {
    var total = 0;
    for (var i = 0; i < patterns.length; i++) {
      var re = patterns[i];
      var s = re.test(page.title) ? 1000 : re.test(page.headings) ? 200 : re.test(page.description) ? 40 : re.test(page.body) ? 8 : 0;
      if (!s) return 0;
      var hits = page.body.match(new RegExp(re.source, "giu"));
      total += s + Math.min(hits ? hits.length : 0, 6);
    }
    var start = patterns[0].exec(page.title);
    if (start && start.index === 0) total += 1;
    return total;
  }

  /* About SNIPPET_WORDS words of the body around the first match. */
  function snippet(page, patterns) {
    var body = page.body;
    var first = -1;
    patterns.forEach(function (re) {
      var m = re.exec(body);
      if (m) {
        var at = m.index + m[1].length;
        if (first < 0 || at < first) first = at;
      }
    });
    if (first < 0) {
      if (page.description) return page.description;
      first = 0;
    }
    var words = [];
    var wordRe = /\S+/g;
    var m2;
    var hit = 0;
    while ((m2 = wordRe.exec(body))) {
      if (m2.index <= first) hit = words.length;
      words.push([m2.index, m2.index + m2[0].length]);
      if (m2.index > first && words.length > hit + SNIPPET_WORDS) break;
    }
    if (!words.length) return "";
    var from = Math.max(0, hit - 7);
    var to = Math.min(words.length, from + SNIPPET_WORDS);
    var text = body.slice(words[from][0], words[to - 1][1]);
    var more = to < words.length || words[to - 1][1] < body.length;
    return (from > 0 ? "\u2026 " : "") + text + (more ? " \u2026" : "");
  }

  /* Appends text to el with each matched word start wrapped in <mark>. */
  function highlight(el, text, all) {
    var last = 0;
    var m;
    all.lastIndex = 0;
    while ((m = all.exec(text))) {
      var at = m.index + m[1].length;
      if (at > last) el.appendChild(doc.createTextNode(text.slice(last, at)));
      var mark = doc.createElement("mark");
      mark.textContent = m[2];
      el.appendChild(mark);
      last = at + m[2].length;
      all.lastIndex = last;
    }
    if (last < text.length) el.appendChild(doc.createTextNode(text.slice(last)));
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

  function render(query) {
    var words = queryWords(query);
    if (!words.length) { clearResults(); return; }
    var patterns = words.map(function (w) { return new RegExp(WORD_START + "(" + escapeRegExp(w) + ")", "iu"); });
    var alternatives = words.slice().sort(function (a, b) { return b.length - a.length; }).map(escapeRegExp).join("|");
    var all = new RegExp(WORD_START + "(" + alternatives + ")", "giu");
    var found = [];
    for (var i = 0; i < pages.length; i++) {
      var s = score(pages[i], patterns);
      if (s) found.push({ page: pages[i], score: s, order: i });
    }
    found.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    var shown = found.slice(0, MAX_RESULTS);
    results.textContent = "";
    if (shown.length) {
      var list = doc.createElement("ul");
      shown.forEach(function (hit) {
        var li = doc.createElement("li");
        var a = doc.createElement("a");
        a.href = hit.page.url;
        var title = doc.createElement("span");
        title.className = "sr-title";
        highlight(title, hit.page.title, all);
        a.appendChild(title);
        var text = snippet(hit.page, patterns);
        if (text) {
          var snip = doc.createElement("span");
          snip.className = "sr-snippet";
          highlight(snip, text, all);
          a.appendChild(snip);
        }
        li.appendChild(a);
        list.appendChild(li);
      });
      results.appendChild(list);
    }
    var n = found.length;
    status.textContent = n === 0 ? "No results"
      : n > shown.length ? "Showing " + shown.length + " of " + n + " results"
      : n === 1 ? "1 result" : n + " results";
    openPanel(true);
  }

  function search() {
    var query = input.value.trim();
    if (query.length < 2) { clearResults(); return; }
    var mine = ++generation;
    if (pages) { render(query); return; }
    openPanel(true);
    status.textContent = "Loading\u2026";
    load().then(function () {
      if (mine === generation) render(input.value.trim());
    }, function () {
      if (mine === generation) status.textContent = "Search is not available right now.";
    });
  }

  function resultLinks() { return [].slice.call(results.querySelectorAll("a")); }

  input.addEventListener("focus", function () { load().catch(function () {}); });
  input.addEventListener("input", search);
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      var links = resultLinks();
      if (links.length) { event.preventDefault(); links[0].focus(); }
    } else if (event.key === "Escape") {
      if (panel.classList.contains("is-open")) {
        event.preventDefault();
        clearResults();
      }
    }
  });
  results.addEventListener("keydown", function (event) {
    var links = resultLinks();
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
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var links = resultLinks();
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
