// Real-browser checks of the bundled "dough" theme.
//
//   node tests/browser/run.mjs <output_dir>
//
// Serves <output_dir> (a site built with --base-url http://127.0.0.1/massage/)
// on 127.0.0.1 at an ephemeral port, mounted at /massage/, and drives Debian's
// headless Chromium through playwright-core. Each check prints `ok <name>` or
// `FAIL <name>: details`; the exit code is 0 only when every check passed.
//
// Environment:
//   KNEAD_CHROMIUM        the browser binary (default /usr/bin/chromium)
//   KNEAD_SCREENSHOT_DIR  where screenshots go (default <repo>/target/browser-screenshots)
//   KNEAD_BROWSER_ONLY    optional substring: run only the checks whose name contains it
//   KNEAD_BROWSER_JOBS    checks run at once (default 2)

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const AXE_PATH = require.resolve('axe-core/axe.min.js');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const BASE = '/massage/';
const CHROMIUM = process.env.KNEAD_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR =
  process.env.KNEAD_SCREENSHOT_DIR || path.join(REPO, 'target', 'browser-screenshots');
const ONLY = process.env.KNEAD_BROWSER_ONLY || '';
const JOBS = Number(process.env.KNEAD_BROWSER_JOBS || 2);

// Offline machine: keep Chromium from trying to reach the network.
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Time limits (ms): backstops against a hang, far above a normal run (under a
// minute), so a busy machine does not fail the suite.
const TOTAL_MS = 300_000;
const CHECK_MS = 90_000;
const ACTION_MS = 8_000;
const NAV_MS = 15_000;

/** One page of each type, relative to BASE. */
const PAGES = [
  { name: 'home', path: '' },
  { name: 'section', path: 'types/' },
  { name: 'page', path: 'techniques/palm-circling/' },
  { name: 'components', path: 'components/' },
  { name: 'taxonomy', path: 'tags/' },
  { name: 'term', path: 'tags/beginner/' },
  { name: '404', path: '404.html' },
];

/** Search: a word from the body only (not title, headings or description) of one page. */
const SEARCH_WORD = 'breastbone';
const SEARCH_TARGET = `${BASE}techniques/positioning/`;

const DESKTOP = { width: 1280, height: 900 };
const MOBILE = { width: 375, height: 812 };

// ---------------------------------------------------------------- reporting

const results = [];

function report(name, problems, ms) {
  const took = ms === undefined ? '' : ` [${(ms / 1000).toFixed(1)}s]`;
  if (problems.length === 0) {
    results.push({ name, ok: true });
    console.log(`ok ${name}${took}`);
  } else {
    results.push({ name, ok: false });
    const details = problems.length === 1 ? problems[0] : '\n    ' + problems.join('\n    ');
    console.log(`FAIL ${name}${took}: ${details}`);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const CHECKS = [];

/**
 * Declares the check `name`: `body(problems, onCleanup)` pushes problems; a
 * thrown error or a time-out also fails it. Cleanups run whatever happens.
 */
function check(name, body) {
  if (ONLY && !name.includes(ONLY)) return;
  CHECKS.push({ name, body });
}

async function runCheck({ name, body }) {
  const problems = [];
  const cleanups = [];
  const start = Date.now();
  try {
    await withTimeout(body(problems, (fn) => cleanups.push(fn)), CHECK_MS, `check "${name}"`);
  } catch (err) {
    problems.push(String(err && err.message ? err.message : err).split('\n')[0]);
  } finally {
    for (const fn of cleanups.reverse()) {
      await withTimeout(Promise.resolve().then(fn), 5_000, 'cleanup').catch(() => {});
    }
  }
  return { problems, ms: Date.now() - start };
}

/** Runs the declared checks, `jobs` at a time, and reports them in order. */
async function runChecks(jobs) {
  const outcomes = new Array(CHECKS.length);
  let next = 0;
  let printed = 0;
  const flush = () => {
    while (printed < CHECKS.length && outcomes[printed]) {
      report(CHECKS[printed].name, outcomes[printed].problems, outcomes[printed].ms);
      printed++;
    }
  };
  const worker = async () => {
    while (next < CHECKS.length) {
      const i = next++;
      outcomes[i] = await runCheck(CHECKS[i]);
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  flush();
}

// ------------------------------------------------------------------- server

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Serves `root` at BASE like a static host: index.html for folders, 404.html for misses. */
function serve(root) {
  const send = (res, status, file, method) => {
    const body = fs.readFileSync(file);
    res.writeHead(status, {
      'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    res.end(method === 'HEAD' ? undefined : body);
  };
  const notFound = (res, method) => {
    const page = path.join(root, '404.html');
    if (fs.existsSync(page)) return send(res, 404, page, method);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  };
  const server = http.createServer((req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      let rel;
      try {
        rel = decodeURIComponent(url.pathname);
      } catch {
        return notFound(res, req.method);
      }
      if (!rel.startsWith(BASE)) {
        if (rel + '/' === BASE) {
          res.writeHead(301, { Location: BASE });
          return res.end();
        }
        return notFound(res, req.method);
      }
      const file = path.resolve(root, '.' + path.posix.normalize('/' + rel.slice(BASE.length)));
      if (file !== root && !file.startsWith(root + path.sep)) return notFound(res, req.method);
      let stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat && stat.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          res.writeHead(301, { Location: url.pathname + '/' + url.search });
          return res.end();
        }
        const index = path.join(file, 'index.html');
        stat = fs.statSync(index, { throwIfNoEntry: false });
        return stat && stat.isFile() ? send(res, 200, index, req.method) : notFound(res, req.method);
      }
      if (stat && stat.isFile()) return send(res, 200, file, req.method);
      return notFound(res, req.method);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ------------------------------------------------------------------ helpers

let browser;
let origin;

/**
 * A context whose pages never leave `origin`. `storedTheme` puts that choice in
 * localStorage before every page load.
 */
async function makeContext(options = {}, storedTheme = null) {
  const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light', ...options });
  context.setDefaultTimeout(ACTION_MS);
  context.setDefaultNavigationTimeout(NAV_MS);
  // The theme must make no external request; abort any at once (and report it, see watch()).
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort('blockedbyclient'),
  );
  if (storedTheme) {
    await context.addInitScript((t) => {
      try {
        window.localStorage.setItem('knead-theme', t);
      } catch {}
    }, storedTheme);
  }
  return context;
}

/** A context of the check's own (it changes state other checks would see). */
async function ownContext(onCleanup, options = {}) {
  const context = await makeContext(options);
  onCleanup(() => context.close());
  return context;
}

/**
 * Contexts shared by the checks that only read (new contexts are slow on a
 * busy two-core machine); each check gets a page of its own.
 *   plain: light OS preference, nothing stored; light/dark: OS preference and
 *   stored choice agree; nojs: JavaScript disabled.
 */
const SHARED = {
  plain: () => makeContext(),
  light: () => makeContext({ colorScheme: 'light' }, 'light'),
  dark: () => makeContext({ colorScheme: 'dark' }, 'dark'),
  nojs: () => makeContext({ javaScriptEnabled: false }),
};
const shared = new Map();

async function openPage(onCleanup, key, viewport = DESKTOP) {
  if (!shared.has(key)) shared.set(key, SHARED[key]());
  const context = await shared.get(key);
  const page = await context.newPage();
  onCleanup(() => page.close());
  if (viewport !== DESKTOP) await page.setViewportSize(viewport);
  return page;
}

/**
 * Adds to `problems` what goes wrong on `page` until the check ends: console
 * errors, uncaught exceptions, failed requests, HTTP errors on subresources,
 * requests that leave the site. The main document's status is checked by
 * `goto`. `ignore(problem)` drops an expected one.
 */
function watch(page, problems, onCleanup, ignore = () => false) {
  let active = true;
  onCleanup(() => {
    active = false;
  });
  const add = (problem) => {
    if (active && !ignore(problem)) problems.push(problem);
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : '';
      add(`console error: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => add(`uncaught exception: ${err.message}`));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !/^(data|blob|about):/.test(url)) {
      add(`external request: ${req.resourceType()} ${url}`);
    }
  });
  page.on('requestfailed', (req) => {
    const url = req.url();
    // A navigation cancels requests still in flight (the favicon, a lazy image)
    // with ERR_ABORTED; a file that is really missing shows as an HTTP error below.
    if (url.startsWith(origin) && req.failure()?.errorText !== 'net::ERR_ABORTED') {
      add(`request failed: ${req.resourceType()} ${url} (${req.failure()?.errorText})`);
    }
  });
  page.on('response', (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return;
    if (res.status() >= 400) {
      add(`HTTP ${res.status()} for ${req.resourceType()} ${res.url()}`);
    }
  });
}

/** Loads `rel` (relative to BASE) and checks the document's HTTP status. */
async function goto(page, rel, problems, expectStatus = 200, settle = false) {
  const url = origin + BASE + rel;
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) {
    problems.push(`no response for ${url}`);
  } else if (response.status() !== expectStatus) {
    problems.push(`${url} answered HTTP ${response.status()}, expected ${expectStatus}`);
  }
  // Give late requests (scripts run on load) a moment to finish or fail.
  if (settle) await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => {});
  return response;
}

const activeId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

async function attr(page, selector, name) {
  return page.locator(selector).first().getAttribute(name, { timeout: 2_000 }).catch(() => null);
}

/** Presses Tab up to `max` times until `predicate` (evaluated in the page) holds. */
async function tabUntil(page, predicate, arg, max = 40) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate, arg)) return i;
  }
  return 0;
}

/** Waits until `fn` (in the page) is truthy; false on time-out instead of throwing. */
async function until(page, fn, arg, timeout = 3_000) {
  return page
    .waitForFunction(fn, arg, { timeout })
    .then(() => true)
    .catch(() => false);
}

async function runAxe(page) {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(' '),
        summary: (n.failureSummary || '').replace(/\s+/g, ' ').trim(),
      })),
    }));
  }, AXE_TAGS);
}

function describeViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${v.id} [${v.impact}] ${v.help} (${v.nodes.length} node${v.nodes.length === 1 ? '' : 's'})`);
    for (const n of v.nodes.slice(0, 6)) {
      lines.push(`  target: ${n.target}${n.summary ? ' -- ' + n.summary.slice(0, 220) : ''}`);
    }
    if (v.nodes.length > 6) lines.push(`  ... and ${v.nodes.length - 6} more`);
  }
  return lines;
}

// ------------------------------------------------------------------- checks

function checkLoads() {
  for (const p of PAGES) {
    check(`load ${p.name} ${BASE}${p.path}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, 'plain');
      watch(page, problems, onCleanup);
      await goto(page, p.path, problems, 200, true);
    });
  }
  // A static host serves 404.html at any missing address, however deep: its
  // stylesheet and script links must not be relative.
  check(`load 404 served at a missing deep URL`, async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    const missing = `${origin}${BASE}no/such/deep/page/`;
    // Chromium logs the document's own (expected) 404 as a console error.
    watch(page, problems, onCleanup, (p) => p.startsWith('console error:') && p.includes('404') && p.endsWith(`(${missing})`));
    await goto(page, 'no/such/deep/page/', problems, 404, true);
    const styled = await page.evaluate(() => document.styleSheets.length);
    if (styled === 0) problems.push('no stylesheet applied');
  });
}

function checkSearch() {
  check(`search finds "${SEARCH_WORD}" (body only) with <mark> and keyboard`, async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);

    // Sanity of the test data: the word must be in the target's text, under one heading only.
    const indexRes = await page.request.get(`${origin}${BASE}search-index.json`);
    if (!indexRes.ok()) {
      problems.push(`${BASE}search-index.json answered HTTP ${indexRes.status()}`);
    } else {
      const index = await indexRes.json().catch(() => null);
      let entry = null;
      for (let n = 0; index && n < index.pages && !entry; n++) {
        const res = await page.request.get(`${origin}${BASE}search/p/${n}.json`);
        const fragment = res.ok() ? await res.json().catch(() => null) : null;
        if (fragment && fragment.url === SEARCH_TARGET) entry = fragment;
      }
      if (!entry) {
        problems.push(`the search index has no fragment with url ${SEARCH_TARGET}`);
      } else {
        const has = (v) => String(v || '').toLowerCase().includes(SEARCH_WORD);
        const under = new Set(entry.blocks.filter((b) => has(b[1])).map((b) => b[0]));
        if (under.size !== 1 || under.has(-1)) problems.push(`(test data) "${SEARCH_WORD}" is not under exactly one heading of ${SEARCH_TARGET}`);
        if (has(entry.title) || entry.headings.some((h) => has(h[1])) || has(entry.description)) {
          problems.push(`(test data) "${SEARCH_WORD}" is in the title/headings/description of ${SEARCH_TARGET}; pick a body-only word`);
        }
      }
    }

    await goto(page, '', problems);
    const form = page.locator('form#search');
    if ((await form.count()) !== 1) {
      problems.push(`expected one form#search on the home page, found ${await form.count()}`);
      return;
    }
    if (!(await until(page, () => { const f = document.getElementById('search'); return f && !f.hidden; }))) {
      problems.push('form#search is hidden');
      return;
    }
    // Nothing of the index is fetched before the reader types, not even on focus.
    const searchRequests = [];
    page.on('request', (r) => { if (/search-index\.json|\/search\/|search\.js/.test(r.url())) searchRequests.push(r.url()); });
    const input = page.locator('#search-input');
    if (!(await input.isVisible())) {
      problems.push('#search-input is not visible');
      return;
    }
    if ((await attr(page, '#search-input', 'type')) !== 'search') problems.push('#search-input is not type=search');
    if ((await page.locator('label[for="search-input"]').count()) !== 1) problems.push('no <label for="search-input">');

    await input.click();
    await page.waitForTimeout(300);
    if (searchRequests.length) problems.push(`focusing the search box fetched ${searchRequests.join(', ')}`);
    await input.pressSequentially(SEARCH_WORD, { delay: 20 });
    const link = page.locator(`#search-results a[href="${SEARCH_TARGET}"]`);
    const found = await link
      .first()
      .waitFor({ state: 'visible', timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (!found) {
      const hrefs = await page.$$eval('#search-results a', (as) => as.map((a) => a.getAttribute('href'))).catch(() => []);
      problems.push(`no visible result linking to ${SEARCH_TARGET} for "${SEARCH_WORD}"; results: [${hrefs.join(', ')}]`);
      return;
    }
    const marks = await page.$$eval('#search-results mark', (ms) => ms.map((m) => m.textContent.toLowerCase()));
    if (marks.length === 0) problems.push('results contain no <mark>');
    else if (!marks.some((m) => m.includes(SEARCH_WORD))) problems.push(`no <mark> around "${SEARCH_WORD}" (marks: ${marks.slice(0, 5).join(', ')})`);
    const targetMarks = await link.first().locator('xpath=..').locator('mark').count();
    if (targetMarks === 0) problems.push(`the result for ${SEARCH_TARGET} has no <mark> in its snippet`);
    if ((await page.locator('#search-results ul > li > a').count()) === 0) problems.push('results are not <ul><li><a>');
    // The word is under one heading: the result links that heading.
    const sub = page.locator(`#search-results a.sr-sub[href^="${SEARCH_TARGET}#"]`);
    const subHref = (await sub.count()) ? await sub.first().getAttribute('href') : null;
    if (!subHref) problems.push(`no sub-result linking a heading of ${SEARCH_TARGET}`);
    const section = await link.first().locator('.sr-section').textContent().catch(() => '');
    if (section !== 'Techniques') problems.push(`the result for ${SEARCH_TARGET} names section ${JSON.stringify(section)}, expected "Techniques"`);
    const status = (await page.locator('#search-status').textContent().catch(() => null)) || '';
    if (!/\b\d+\s+results?\b/i.test(status)) problems.push(`#search-status says ${JSON.stringify(status)}, expected "N results"`);
    if ((await attr(page, '#search-status', 'aria-live')) !== 'polite') problems.push('#search-status lacks aria-live="polite"');

    // Keyboard: ArrowDown from the input focuses the first result.
    const links = page.locator('#search-results a');
    const count = await links.count();
    await input.focus();
    await page.keyboard.press('ArrowDown');
    const firstFocused = await links.first().evaluate((a) => a === document.activeElement);
    if (!firstFocused) {
      const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
      problems.push(`ArrowDown from #search-input did not focus the first result (focus on ${active})`);
    } else if (count > 1) {
      await page.keyboard.press('ArrowDown');
      if (!(await links.nth(1).evaluate((a) => a === document.activeElement))) problems.push('ArrowDown on the first result did not focus the second');
      await page.keyboard.press('ArrowUp');
      if (!(await links.first().evaluate((a) => a === document.activeElement))) problems.push('ArrowUp on the second result did not focus the first');
    }
    // Escape clears the results and returns focus to the input.
    await page.keyboard.press('Escape');
    if ((await activeId(page)) !== 'search-input') problems.push('Escape in the results did not return focus to #search-input');
    const cleared = await until(page, () => {
      const box = document.getElementById('search-results');
      return !box || !box.querySelector('a') || !box.checkVisibility();
    }, undefined, 2_000);
    if (!cleared) problems.push(`Escape left ${await page.locator('#search-results a').count()} results shown`);

    // A word found nowhere.
    await input.fill('');
    await input.pressSequentially('qqxzzv', { delay: 10 });
    const none = await until(page, () => /no results/i.test(document.getElementById('search-status')?.textContent || ''));
    if (!none) problems.push(`searching "qqxzzv": #search-status did not say "No results"`);

    // Following the sub-result lands on the heading.
    if (subHref) {
      await input.fill('');
      await input.pressSequentially(SEARCH_WORD, { delay: 10 });
      await sub.first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
      await Promise.all([page.waitForURL((u) => u.hash.length > 1, { timeout: 5_000 }).catch(() => {}), sub.first().click().catch(() => {})]);
      const id = decodeURIComponent(subHref.split('#')[1]);
      const landed = await until(page, (wanted) => {
        const h = document.getElementById(wanted);
        if (!h || location.hash.slice(1) !== encodeURIComponent(wanted)) return false;
        const top = h.getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight / 2;
      }, id);
      if (!landed) problems.push(`following ${subHref} did not bring heading #${id} into view (at ${page.url()})`);
    }
  });

  check('search stems, breaks words at hyphens and shows every result', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);
    await goto(page, '', problems);
    const input = page.locator('#search-input');
    const statusOf = async () => (await page.locator('#search-status').textContent().catch(() => '')) || '';
    const search = async (query) => {
      await input.fill('');
      await input.pressSequentially(query, { delay: 10 });
      await until(page, () => /result/i.test(document.getElementById('search-status')?.textContent || ''));
      return page.$$eval('#search-results mark', (ms) => ms.map((m) => m.textContent.toLowerCase()));
    };
    const massages = await search('massages');
    if (!massages.includes('massage')) problems.push(`"massages" did not find and mark "massage" (marks: ${massages.slice(0, 5).join(', ')})`);
    const total = Number(((await statusOf()).match(/(\d+) results/) || [])[1] || 0);
    if (total <= 10) problems.push(`"massages" found ${total} results; the bundled site has more than 10 pages about massage`);
    const more = page.locator('#search-results .sr-more');
    if ((await more.count()) !== 1) {
      problems.push('no "Show more results" button after the first 10 results');
    } else {
      await more.click();
      const grew = await until(page, () => document.querySelectorAll('#search-results li.sr-item').length > 10);
      if (!grew) problems.push('"Show more results" did not add results');
    }
    const lowerBack = await search('lower-back');
    if (!lowerBack.includes('lower') || !lowerBack.includes('back')) problems.push(`"lower-back" did not find "lower back" (marks: ${lowerBack.slice(0, 6).join(', ')})`);
    if (/no results/i.test(await statusOf())) problems.push('"lower-back" found no results');
  });

  check('search form on the 404 page is in main, once', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);
    await goto(page, '404.html', problems);
    const forms = await page.locator('#search').count();
    if (forms !== 1) problems.push(`expected exactly one #search, found ${forms}`);
    if ((await page.locator('main #search').count()) !== 1) problems.push('#search is not inside <main>');
    if (!(await until(page, () => { const f = document.getElementById('search'); return f && !f.hidden; }))) {
      problems.push('#search stays hidden on the 404 page');
    }
    const h1 = ((await page.locator('h1').first().textContent().catch(() => '')) || '').trim();
    if (!/page not found/i.test(h1)) problems.push(`<h1> is ${JSON.stringify(h1)}, expected "Page not found"`);
  });
}

function checkThemeToggle() {
  check('theme toggle: automatic, dark, light, automatic; remembered across reloads; follows an OS change only when automatic', async (problems, onCleanup) => {
    const context = await ownContext(onCleanup, { colorScheme: 'light' });
    const page = await context.newPage();
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    const state = async () =>
      page.evaluate(() => {
        const b = document.getElementById('theme-toggle');
        return {
          theme: document.documentElement.getAttribute('data-theme'),
          choice: document.documentElement.getAttribute('data-theme-choice'),
          label: b && b.getAttribute('aria-label'),
          title: b && b.getAttribute('title'),
          stored: localStorage.getItem('knead-theme'),
        };
      });
    const expect = async (when, want) => {
      const s = await state();
      for (const [key, value] of Object.entries(want)) {
        if (s[key] !== value) problems.push(`${when}: ${key} is ${JSON.stringify(s[key])}, expected ${JSON.stringify(value)}`);
      }
      if (s.title !== s.label) problems.push(`${when}: title ${JSON.stringify(s.title)} differs from aria-label ${JSON.stringify(s.label)}`);
    };
    const toggle = page.locator('#theme-toggle');
    if (!(await toggle.isVisible())) {
      problems.push('#theme-toggle is not visible with JS on');
      return;
    }
    // The label says what a press will do.
    await expect('at first (OS light, nothing stored)', { theme: 'light', choice: 'auto', stored: null, label: 'Use the dark theme' });
    await toggle.click();
    await expect('after one press', { theme: 'dark', choice: 'dark', stored: 'dark', label: 'Use the light theme' });
    await page.reload({ waitUntil: 'load' });
    await expect('dark, after a reload', { theme: 'dark', choice: 'dark', label: 'Use the light theme' });
    await goto(page, '', problems);
    await expect('dark, on another page', { theme: 'dark', choice: 'dark' });
    await toggle.click();
    await expect('after two presses', { theme: 'light', choice: 'light', stored: 'light', label: 'Follow the system theme' });
    await page.reload({ waitUntil: 'load' });
    await expect('light, after a reload', { theme: 'light', choice: 'light' });
    // A chosen theme stays when the OS changes.
    await page.emulateMedia({ colorScheme: 'dark' });
    await until(page, () => true);
    // Each press changes the look: light chosen under a dark OS goes to dark, then back to automatic.
    await expect('light chosen, OS turns dark', { theme: 'light', choice: 'light', label: 'Use the dark theme' });
    await toggle.click();
    await expect('light chosen, OS dark, one press', { theme: 'dark', choice: 'dark', stored: 'dark', label: 'Follow the system theme' });
    await toggle.click();
    await expect('then another press', { theme: 'dark', choice: 'auto', stored: null, label: 'Use the light theme' });
    // Automatic follows the OS, live and after a reload.
    await page.emulateMedia({ colorScheme: 'light' });
    if (!(await until(page, () => document.documentElement.getAttribute('data-theme') === 'light'))) {
      problems.push('automatic: the OS turned light but data-theme did not follow');
    }
    await expect('automatic, OS turns light', { theme: 'light', choice: 'auto', label: 'Use the dark theme' });
    await page.reload({ waitUntil: 'load' });
    await expect('automatic, after a reload', { theme: 'light', choice: 'auto', stored: null });
  });

  check('dark by default with prefers-color-scheme: dark', async (problems, onCleanup) => {
    const context = await ownContext(onCleanup, { colorScheme: 'dark' });
    const page = await context.newPage();
    watch(page, problems, onCleanup);
    await goto(page, 'types/', problems);
    const theme = await page.locator('html').getAttribute('data-theme');
    if (theme !== 'dark') problems.push(`data-theme is ${theme}, expected dark`);
    const label = await attr(page, '#theme-toggle', 'aria-label');
    if (label !== 'Use the light theme') problems.push(`#theme-toggle aria-label is ${JSON.stringify(label)}, expected "Use the light theme"`);
  });
}

/**
 * The top of the first paragraph of reading text under `within` (not a date,
 * label or breadcrumb): an article's text for pages and sections, the lead
 * for listings, which have no article.
 */
function firstParagraphTop(within) {
  const skip = '.meta, .updated, .kicker, .not-found-code, .toc-title, .card-meta, .card-text, .breadcrumbs *, .hero-kicker, .hero-actions';
  const p = [...document.querySelectorAll(`${within} p`)].find(
    (el) => !el.matches(skip) && el.checkVisibility() && el.textContent.trim().length >= 20,
  );
  return p ? p.getBoundingClientRect().top + window.scrollY : null;
}

/** Sum and sources of layout shifts since the page started (buffered PerformanceObserver entries). */
async function layoutShifts(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const shifts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            shifts.push({
              value: e.value,
              sources: (e.sources || []).map((s) => (s.node && s.node.nodeType === 1 ? s.node.outerHTML.slice(0, 60) : '?')),
            });
          }
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(shifts), 300);
      }),
  );
}

function checkReaders() {
  for (const [viewport, limit] of [[{ width: 375, height: 800 }, 800], [DESKTOP, 900]]) {
    check(`text first at ${viewport.width}x${viewport.height}: every page type's first paragraph starts above ${limit}px; CLS 0.000`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, 'plain', viewport);
      for (const p of PAGES) {
        await goto(page, p.path, problems, 200, true);
        const top = await page.evaluate(firstParagraphTop, ['page', 'section'].includes(p.name) ? 'main .doc .prose' : 'main');
        if (top === null) problems.push(`${p.name}: no paragraph of text found in <main>`);
        else if (top >= limit) problems.push(`${p.name}: the first paragraph starts at ${Math.round(top)}px`);
        const shifts = await layoutShifts(page);
        // Lighthouse shows CLS to three decimals; sub-pixel settling of text below that is not a shift a reader sees.
        if (shifts.reduce((a, s) => a + s.value, 0) >= 0.0005) {
          problems.push(`${p.name}: ${shifts.length} layout shift(s), total ${shifts.reduce((a, s) => a + s.value, 0).toFixed(4)} (${[...new Set(shifts.flatMap((s) => s.sources))].join(', ')})`);
        }
      }
    });
  }

  check('TOC at 375px: folded into "On this page", opens to the section links', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    const fold = page.locator('details.toc-fold');
    if ((await fold.count()) !== 1 || !(await fold.isVisible())) {
      problems.push('no visible details.toc-fold');
      return;
    }
    if ((await fold.getAttribute('open')) !== null) problems.push('the TOC starts open');
    if (await page.locator('.toc-side').isVisible()) problems.push('the side TOC is shown at 375px');
    const summary = ((await fold.locator('summary').textContent()) || '').trim();
    if (summary !== 'On this page') problems.push(`summary says ${JSON.stringify(summary)}`);
    if (await fold.locator('a[href="#steps"]').isVisible()) problems.push('the TOC links show while folded');
    await fold.locator('summary').focus();
    await page.keyboard.press('Enter');
    if (!(await fold.locator('a[href="#steps"]').isVisible())) problems.push('Enter on the summary did not show the links');
    const chips = page.locator('.taxonomies');
    if ((await chips.count()) && !(await chips.evaluate((el) => !!(el.compareDocumentPosition(document.querySelector('.prose')) & Node.DOCUMENT_POSITION_PRECEDING)))) {
      problems.push('the taxonomy chips come before the article text');
    }
  });

  check('mobile menu at 375px: Tab and Shift+Tab stay inside the open menu, the page behind is inert', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    await page.locator('#nav-toggle').click();
    const inMenu = () => {
      const a = document.activeElement;
      return !!a && (a.id === 'nav-toggle' || !!a.closest('#site-nav'));
    };
    const links = await page.locator('#site-nav a[href]').count();
    const seen = new Set();
    for (const key of ['Tab', 'Shift+Tab']) {
      for (let i = 0; i < links + 3; i++) {
        await page.keyboard.press(key);
        const where = await page.evaluate(() => {
          const a = document.activeElement;
          return a ? a.id || a.getAttribute('href') || a.tagName : 'none';
        });
        seen.add(where);
        if (!(await page.evaluate(inMenu))) {
          problems.push(`${key} #${i + 1}: focus left the open menu, to ${where}`);
          break;
        }
      }
    }
    if (seen.size < links + 1) problems.push(`the Tab cycle reached ${seen.size} places, expected the toggle and ${links} links`);
    if (!(await page.evaluate(() => document.getElementById('main').inert))) problems.push('<main> is not inert while the menu is open');
    await page.keyboard.press('Escape');
    if ((await activeId(page)) !== 'nav-toggle') problems.push('Escape did not return focus to #nav-toggle');
    if (await page.evaluate(() => document.getElementById('main').inert)) problems.push('<main> stays inert after the menu closed');
  });

  check('heading anchors: named after their heading; a click copies the link and says so politely', async (problems, onCleanup) => {
    const context = await ownContext(onCleanup);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    const anchors = await page.$$eval('.prose .heading-anchor', (as) =>
      as.map((a) => ({ label: a.getAttribute('aria-label'), heading: a.parentElement.textContent.replace('\u00b6', '').trim() })),
    );
    if (anchors.length === 0) problems.push('no .heading-anchor in the page');
    for (const a of anchors) {
      if (a.label !== `Link to section: ${a.heading}`) problems.push(`anchor of "${a.heading}" is named ${JSON.stringify(a.label)}`);
    }
    const status = page.locator('[role="status"][aria-live="polite"]');
    if ((await status.count()) !== 1) {
      problems.push(`expected one polite live region (role=status), found ${await status.count()}`);
      return;
    }
    await page.locator('#steps .heading-anchor').click();
    const said = await until(page, () => /Steps.*copied/.test(document.querySelector('[role="status"]').textContent));
    if (!said) problems.push(`the live region says ${JSON.stringify(await status.textContent())}, expected a "Steps" … copied message`);
    const copied = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => `(unreadable: ${e.message})`);
    const want = `${origin}${BASE}techniques/palm-circling/#steps`;
    if (copied !== want) problems.push(`the clipboard holds ${JSON.stringify(copied)}, expected ${want}`);
    if (!(await status.isVisible())) problems.push('the message is not shown on screen');
  });

  check('focus rings at 1280px: none clipped by the scrolling sidebar or TOC', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', { width: 1280, height: 600 });
    await goto(page, 'techniques/palm-circling/', problems);
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const r = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || !el.closest('.site-nav, .toc-side')) return null;
        const cs = getComputedStyle(el);
        if (cs.outlineStyle === 'none') return { what: el.textContent.trim(), clipped: 'no focus ring' };
        const out = Math.max(0, parseFloat(cs.outlineWidth) + parseFloat(cs.outlineOffset));
        const box = el.getBoundingClientRect();
        let clip = el.parentElement;
        while (clip && getComputedStyle(clip).overflowX === 'visible' && getComputedStyle(clip).overflowY === 'visible') clip = clip.parentElement;
        if (!clip) return { what: el.textContent.trim(), clipped: '' };
        const c = clip.getBoundingClientRect();
        const left = c.left + clip.clientLeft;
        const right = left + clip.clientWidth;
        const sides = [];
        if (box.left - out < left - 0.5) sides.push('left');
        if (box.right + out > right + 0.5) sides.push('right');
        return { what: el.textContent.trim(), clipped: sides.join(' and ') };
      });
      if (!r) continue;
      checked++;
      if (r.clipped) problems.push(`focus ring of "${r.what}" clipped: ${r.clipped}`);
    }
    if (checked < 10) problems.push(`only ${checked} links of the sidebar and TOC were reached by Tab`);
  });

  check('scroll-spy at 1280px: marks the section being read, reads no layout while scrolling', async (problems, onCleanup) => {
    const context = await ownContext(onCleanup);
    await context.addInitScript(() => {
      window.__layoutReads = 0;
      const count = (proto, name) => {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        if (d.value) proto[name] = function (...a) { window.__layoutReads++; return d.value.apply(this, a); };
        else Object.defineProperty(proto, name, { ...d, get() { window.__layoutReads++; return d.get.call(this); } });
      };
      count(Element.prototype, 'getBoundingClientRect');
      count(HTMLElement.prototype, 'offsetHeight');
      count(HTMLElement.prototype, 'offsetTop');
      count(Element.prototype, 'scrollHeight');
    });
    const page = await context.newPage();
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    // Each heading just under the sticky header, where a reader's eye starts a section.
    const tops = await page.evaluate(() => {
      document.documentElement.style.scrollBehavior = 'auto';
      const under = document.querySelector('.site-header').getBoundingClientRect().bottom + 8;
      const at = {};
      for (const id of ['hand-position', 'steps', 'common-mistakes']) at[id] = document.getElementById(id).getBoundingClientRect().top + window.scrollY - under;
      at.end = document.documentElement.scrollHeight;
      window.__layoutReads = 0;
      return at;
    });
    const current = () => page.$$eval('.toc-side a.is-current', (as) => as.map((a) => a.getAttribute('href')));
    for (const id of ['hand-position', 'steps', 'common-mistakes']) {
      await page.evaluate((y) => window.scrollTo(0, y), tops[id]);
      const ok = await until(page, (id) => {
        const c = [...document.querySelectorAll('.toc-side a.is-current')];
        return c.length === 1 && c[0].getAttribute('href') === '#' + id;
      }, id);
      if (!ok) problems.push(`scrolled to #${id}: current TOC links are [${(await current()).join(', ')}]`);
    }
    await page.evaluate((y) => window.scrollTo(0, y), tops.end);
    const last = await page.$$eval('.toc-side a', (as) => as[as.length - 1].getAttribute('href'));
    if (!(await until(page, (h) => document.querySelector('.toc-side a.is-current')?.getAttribute('href') === h, last))) {
      problems.push(`at the end of the page the current TOC link is [${(await current()).join(', ')}], expected ${last}`);
    }
    const reads = await page.evaluate(() => window.__layoutReads);
    if (reads !== 0) problems.push(`the page read layout ${reads} time(s) while scrolling`);
  });

  check('tables at 375px: scroll cue at the cut edge, keyboard-scrollable, named', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    let scrolling = 0;
    for (const rel of ['types/', 'guides/choosing-a-type/']) {
      await goto(page, rel, problems, 200, true);
      const n = await page.locator('.prose table').count();
      for (let i = 0; i < n; i++) {
        const table = page.locator('.prose table').nth(i);
        const t = await table.evaluate((el) => ({
          wide: el.scrollWidth > el.clientWidth + 1,
          mask: getComputedStyle(el).maskImage,
          tabindex: el.getAttribute('tabindex'),
          label: el.getAttribute('aria-label') || '',
        }));
        if (!t.wide) continue;
        scrolling++;
        const where = `${rel} table ${i + 1}`;
        if (!/gradient/.test(t.mask)) problems.push(`${where}: no fade at its cut edge (mask-image ${t.mask})`);
        if (t.tabindex !== '0') problems.push(`${where}: tabindex is ${t.tabindex}, expected 0`);
        if (!/scrolls sideways/.test(t.label)) problems.push(`${where}: aria-label ${JSON.stringify(t.label)} does not say it scrolls`);
        await table.focus();
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        if (!(await table.evaluate((el) => new Promise((r) => setTimeout(() => r(el.scrollLeft > 0), 500))))) {
          problems.push(`${where}: ArrowRight on the focused table did not scroll it`);
        }
        const after = await table.evaluate((el) => ({ mask: getComputedStyle(el).maskImage }));
        if (after.mask !== 'none') problems.push(`${where}: the fade stays over the focus ring`);
        await table.evaluate((el) => el.blur());
        await table.evaluate((el) => el.scrollTo({ left: el.scrollWidth, behavior: 'instant' }));
        const end = await table.evaluate((el) => new Promise((r) => setTimeout(() => r(getComputedStyle(el).maskImage), 100)));
        if (end === t.mask) problems.push(`${where}: scrolled, the fade is still only at the right edge`);
      }
    }
    if (scrolling === 0) problems.push('no table scrolls sideways at 375px on types/ or guides/choosing-a-type/ (test data)');
  });

  check('less noise: "Referenced by" capped after the pager; balanced 404 header; wrapped lines start without separators; bullets >= 3:1', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    await goto(page, 'types/swedish/', problems);
    const refs = await page.evaluate(() => {
      const s = document.getElementById('backlinks');
      if (!s) return null;
      const pager = document.querySelector('.pager');
      const visible = [...s.querySelectorAll('a')].filter((a) => a.checkVisibility()).length;
      const more = s.querySelector('details > summary');
      return {
        visible,
        all: s.querySelectorAll('a').length,
        more: more ? more.textContent.trim() : null,
        afterPager: !!pager && !!(pager.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING),
      };
    });
    if (!refs) problems.push('types/swedish/ has no #backlinks (test data)');
    else {
      if (refs.visible > 6) problems.push(`"Referenced by" shows ${refs.visible} links, expected at most 6`);
      if (refs.all > 6 && refs.more !== `Show all ${refs.all} pages`) problems.push(`"Referenced by" has ${refs.all} links and its disclosure says ${JSON.stringify(refs.more)}`);
      if (!refs.afterPager) problems.push('"Referenced by" is not after the pager');
    }

    // The breadcrumb of palm circling wraps at 375px; the footer's colophon at 320px.
    const wraps = async (rel, width, items) => {
      await page.setViewportSize({ width, height: 800 });
      await goto(page, rel, problems, 200, true);
      return page.evaluate((sel) => {
        const els = [...document.querySelectorAll(sel)];
        const lineStart = Math.min(...els.map((e) => e.getBoundingClientRect().left));
        const bad = [];
        let lines = new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size;
        for (const e of els) {
          const before = getComputedStyle(e, '::before').content;
          if (Math.abs(e.getBoundingClientRect().left - lineStart) < 1 && before !== 'none' && before !== 'normal') bad.push(e.textContent.trim());
        }
        return { lines, bad };
      }, items);
    };
    for (const [rel, width, items] of [['techniques/palm-circling/', 375, '.breadcrumbs li'], ['techniques/palm-circling/', 320, '.colophon > span']]) {
      const w = await wraps(rel, width, items);
      if (w.lines < 2) problems.push(`${items} at ${width}px does not wrap (test data)`);
      for (const b of w.bad) problems.push(`${items} at ${width}px: the line starting with "${b}" starts with a separator`);
    }

    await page.setViewportSize(MOBILE);
    await goto(page, '404.html', problems, 200, true);
    const head = await page.evaluate(() => ({
      brand: document.querySelector('.brand').getBoundingClientRect().left,
      actions: document.querySelector('.header-actions').getBoundingClientRect().right,
      width: document.documentElement.clientWidth,
    }));
    if (head.brand > 24 || head.actions < head.width - 24) problems.push(`404 header at 375px: brand at ${head.brand}px, buttons end at ${head.actions}px of ${head.width}px`);

    for (const theme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: theme });
      await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
      await goto(page, 'guides/first-session/', problems, 200, true);
      await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
      const ratio = await page.evaluate(() => {
        const li = document.querySelector('.prose ul > li');
        if (!li) return null;
        const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
        const fg = lum(rgb(getComputedStyle(li, '::marker').color));
        const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
        return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      });
      if (ratio === null) problems.push('guides/first-session/ has no bullet list (test data)');
      else if (ratio < 3) problems.push(`${theme}: list bullets contrast ${ratio.toFixed(2)}:1, expected >= 3:1`);
    }
  });

  check('last updated under the title; back to top on a long page', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    const updated = await page.evaluate(() => {
      const h1 = document.querySelector('main h1');
      const next = h1 && h1.nextElementSibling;
      return next && { text: next.textContent.trim(), datetime: next.querySelector('time')?.getAttribute('datetime') };
    });
    if (!updated || updated.text !== 'Last updated March 2, 2026' || updated.datetime !== '2026-03-02') {
      problems.push(`after the <h1>: ${JSON.stringify(updated)}, expected "Last updated March 2, 2026" with datetime 2026-03-02`);
    }
    const top = page.locator('main a[href="#top"]');
    if ((await top.count()) !== 1) {
      problems.push('no back-to-top link');
      return;
    }
    await page.evaluate(() => { document.documentElement.style.scrollBehavior = 'auto'; });
    await top.scrollIntoViewIfNeeded();
    await top.click();
    if (!(await until(page, () => window.scrollY === 0))) problems.push(`back to top left the page at scrollY ${await page.evaluate(() => window.scrollY)}`);
  });
}

function checkNavigation() {
  check('mobile nav at 375px: Tab, Enter/Space open, Escape closes and refocuses', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain', MOBILE);
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/palm-circling/', problems);
    const toggle = page.locator('#nav-toggle');
    const nav = page.locator('#site-nav');
    if ((await toggle.count()) !== 1 || (await nav.count()) !== 1) {
      problems.push(`expected one #nav-toggle and one #site-nav, found ${await toggle.count()} and ${await nav.count()}`);
      return;
    }
    if ((await attr(page, '#nav-toggle', 'aria-controls')) !== 'site-nav') problems.push('#nav-toggle lacks aria-controls="site-nav"');
    if ((await attr(page, '#nav-toggle', 'aria-expanded')) !== 'false') problems.push('#nav-toggle is not aria-expanded="false" at first');
    if (await nav.isVisible()) problems.push('#site-nav is visible before the toggle is pressed');

    const steps = await tabUntil(page, () => document.activeElement?.id === 'nav-toggle');
    if (!steps) {
      problems.push('#nav-toggle was not reached within 40 Tab presses');
      return;
    }
    // Polled for up to 2 s, so an opening/closing animation can finish.
    const expect = async (when, expanded) => {
      const state = async () => ({
        e: await attr(page, '#nav-toggle', 'aria-expanded'),
        visible: await nav.isVisible(),
        focus: await activeId(page),
      });
      const good = (st) => st.e === String(expanded) && st.visible === expanded && (expanded || st.focus === 'nav-toggle');
      let st = await state();
      for (let deadline = Date.now() + 2_000; !good(st) && Date.now() < deadline; ) {
        await page.waitForTimeout(100);
        st = await state();
      }
      if (st.e !== String(expanded)) problems.push(`${when}: aria-expanded is ${st.e}, expected ${expanded}`);
      if (st.visible !== expanded) problems.push(`${when}: #site-nav is ${st.visible ? 'visible' : 'hidden'}`);
      if (!expanded && st.focus !== 'nav-toggle') {
        problems.push(`${when}: focus is on ${st.focus ? '#' + st.focus : 'an element without id'}, expected #nav-toggle`);
      }
    };
    await page.keyboard.press('Enter');
    await expect('after Enter', true);
    await page.keyboard.press('Escape');
    await expect('after Escape', false);
    await page.keyboard.press('Space');
    await expect('after Space', true);
    // The open nav's links are reachable, and Escape from inside one closes it too.
    const link = page.locator('#site-nav a').first();
    if ((await link.count()) === 0) {
      problems.push('#site-nav has no links');
    } else {
      await link.focus();
      await page.keyboard.press('Escape');
      await expect('after Escape from a link in the nav', false);
    }
  });

  check('desktop nav at 1280px: sidebar shown, toggle hidden, current page marked', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);
    const rel = 'techniques/palm-circling/';
    await goto(page, rel, problems);
    if (!(await page.locator('#site-nav').isVisible())) problems.push('#site-nav is not visible');
    if (await page.locator('#nav-toggle').isVisible()) problems.push('#nav-toggle is visible at 1280px');
    const current = await page.$$eval('#site-nav [aria-current="page"]', (as) => as.map((a) => a.getAttribute('href')));
    if (current.length !== 1 || current[0] !== BASE + rel) {
      problems.push(`#site-nav [aria-current=page] hrefs are [${current.join(', ')}], expected [${BASE + rel}]`);
    }
    if ((await attr(page, '#site-nav', 'aria-label')) !== 'Sections') problems.push('#site-nav lacks aria-label="Sections"');
  });
}

// Layout: nothing wider than the viewport from 320 px to 1440 px, and a print
// view that keeps the article (with its steps) and drops the site chrome.
function checkLayout() {
  for (const width of [320, 1440]) {
    check(`layout at ${width}px: no page type scrolls sideways`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, 'plain', { width, height: 900 });
      watch(page, problems, onCleanup);
      for (const p of PAGES) {
        // Settle, so leaving the page does not abort its favicon request.
        await goto(page, p.path, problems, 200, true);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > width) problems.push(`${p.name}: the page is ${wide}px wide in a ${width}px viewport`);
      }
    });
  }
  check('print: a technique page prints as the article with its steps, without chrome', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);
    await goto(page, 'techniques/positioning/', problems);
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['#site-nav', '#search', '#theme-toggle', '#nav-toggle', '.pager']) {
      if (await page.locator(hidden).first().isVisible()) problems.push(`${hidden} is printed`);
    }
    for (const shown of ['article h1', '#steps + ol', '.site-footer .disclaimer']) {
      if (!(await page.locator(shown).first().isVisible())) problems.push(`${shown} is not printed`);
    }
    await page.emulateMedia({ media: 'screen' });
  });
  check('print card: every technique page is one A4 and one US Letter page, with site name, URL, print date and link targets', async (problems, onCleanup) => {
    const context = await ownContext(onCleanup);
    const page = await context.newPage();
    watch(page, problems, onCleanup);
    // A fixed clock: the printed date must not depend on the day the test runs.
    await page.clock.setFixedTime(new Date('2030-05-06T12:00:00'));
    await goto(page, 'techniques/palm-circling/', problems);
    await page.emulateMedia({ media: 'print' });
    const permalink = await attr(page, 'link[rel="canonical"]', 'href');
    const head = ((await page.locator('.print-head').innerText().catch(() => '')) || '').replace(/\s+/g, ' ');
    for (const want of ['Kneading Knowledge Base', permalink, 'Printed May 6, 2030']) {
      if (!want || !head.includes(want)) problems.push(`the printed header ${JSON.stringify(head)} lacks ${JSON.stringify(want)}`);
    }
    for (const hidden of ['.reading-time', '.breadcrumbs', '.toc-fold', '.toc-side', '.pager', '.doc-links', '.taxonomies', '#site-nav']) {
      if (await page.locator(hidden).first().isVisible()) problems.push(`${hidden} is printed`);
    }
    const links = await page.evaluate(() =>
      [...document.querySelectorAll('.prose a[href], .disclaimer a[href]')]
        .filter((a) => a.checkVisibility())
        .map((a) => ({ href: a.getAttribute('href'), abs: a.href, after: getComputedStyle(a, '::after').content })),
    );
    const outward = links.filter((l) => !l.href.startsWith('#'));
    if (outward.length === 0) problems.push('no printed link leaves the page (test data)');
    for (const l of outward) {
      if (l.after !== `" (${l.abs})"`) problems.push(`link to ${l.href} prints ${l.after} after its text, expected " (${l.abs})"`);
    }
    for (const l of links.filter((l) => l.href.startsWith('#'))) {
      if (l.after !== 'none' && l.after !== 'normal') problems.push(`in-page link ${l.href} prints ${l.after}`);
    }
    // Every technique is a card, not only this one.
    for (const technique of ['palm-circling', 'positioning', 'thumb-and-wrist-work', 'back-spread', 'partner-routine']) {
      if (technique !== 'palm-circling') {
        await goto(page, `techniques/${technique}/`, problems);
        await page.emulateMedia({ media: 'print' });
      }
      for (const format of ['A4', 'Letter']) {
        const pdf = await page.pdf({ format, preferCSSPageSize: true });
        const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
        if (pages !== 1) problems.push(`${technique} printed on ${format}: ${pages} pages, expected 1`);
      }
    }
  });

  check('print: a longer guide runs over pages without cutting a box open', async (problems, onCleanup) => {
    const page = await openPage(onCleanup, 'plain');
    watch(page, problems, onCleanup);
    await goto(page, 'guides/choosing-a-type/', problems);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
    if (pages < 2) problems.push(`printed on ${pages} page(s); the test needs a page longer than one sheet`);
    const boxes = await page.evaluate(() =>
      [...document.querySelectorAll('.prose :is(blockquote, table, pre, li, img)')].map((el) => ({
        what: el.tagName.toLowerCase() + ': ' + el.textContent.trim().slice(0, 30),
        inside: getComputedStyle(el).breakInside,
      })),
    );
    if (!boxes.some((b) => b.what.startsWith('table'))) problems.push('the guide has no table (test data)');
    for (const b of boxes) if (b.inside !== 'avoid') problems.push(`${b.what}: break-inside is ${b.inside}`);
    await page.emulateMedia({ media: 'screen' });
  });
}

function screenshotPath(name, width, theme) {
  return path.join(SCREENSHOT_DIR, `${name}-${width}-${theme}.png`);
}

function checkAxeAndScreenshots() {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const f of fs.readdirSync(SCREENSHOT_DIR)) {
    if (f.endsWith('.png')) fs.rmSync(path.join(SCREENSHOT_DIR, f));
  }
  // axe at 1280px; the full-page 1280px screenshot is taken of the same load.
  for (const theme of ['light', 'dark']) {
    for (const p of PAGES) {
      check(`axe ${p.name} ${theme}`, async (problems, onCleanup) => {
        const page = await openPage(onCleanup, theme);
        await goto(page, p.path, problems);
        const actual = await page.locator('html').getAttribute('data-theme');
        if (actual !== theme) problems.push(`html[data-theme] is ${actual}, expected ${theme}; axe ran on it anyway`);
        await page.screenshot({ path: screenshotPath(p.name, DESKTOP.width, theme), fullPage: true });
        problems.push(...describeViolations(await runAxe(page)));
      });
    }
    // tests/it/browser.rs adds this page: the bundled guide has no code.
    check(`axe highlighted code ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme);
      await goto(page, 'code-sample/', problems);
      if (!(await page.locator('pre.code span.k').count())) problems.push('no highlighted code on code-sample/');
      problems.push(...describeViolations(await runAxe(page)));
    });
    // A page with citations: each citation links to its entry in the
    // reference list, which comes into view; axe on screen and in print.
    check(`citations and reference list ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme);
      await goto(page, 'guides/what-the-research-says/', problems);
      const link = page.locator('.prose .citation a').first();
      if (!(await link.count())) {
        problems.push('no citation on guides/what-the-research-says/');
        return;
      }
      const href = await link.getAttribute('href');
      if (!(await page.locator(`.references li${href}`).count())) problems.push(`citation ${href} has no entry in the reference list`);
      await link.click();
      const shown = await until(page, () => {
        const li = document.querySelector('.references li:target');
        if (!li) return false;
        const box = li.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      });
      if (!shown) problems.push(`following ${href} did not bring its reference into view`);
      if (!(await page.locator('.references a[href^="https://doi.org/"]').count())) problems.push('no DOI linked in the reference list');
      await page.screenshot({ path: screenshotPath('references', DESKTOP.width, theme) });
      problems.push(...describeViolations(await runAxe(page)));
      await page.emulateMedia({ media: 'print' });
      if (!(await page.locator('.references').isVisible())) problems.push('the reference list does not print');
      problems.push(...describeViolations(await runAxe(page)));
    });
    check(`axe search results ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme);
      await goto(page, '', problems);
      const shown = await until(page, () => { const f = document.getElementById('search'); return f && !f.hidden; });
      if (!shown) {
        problems.push('form#search never shown; cannot check the results');
        return;
      }
      await page.locator('#search-input').click();
      await page.locator('#search-input').pressSequentially(SEARCH_WORD, { delay: 10 });
      const any = await page
        .locator('#search-results mark')
        .first()
        .waitFor({ timeout: 5_000 })
        .then(() => true)
        .catch(() => false);
      if (!any) problems.push(`no highlighted results for "${SEARCH_WORD}"; axe ran on the page as it is`);
      await page.screenshot({ path: screenshotPath('search-results', DESKTOP.width, theme) });
      problems.push(...describeViolations(await runAxe(page)));
    });
  }

  for (const theme of ['light', 'dark']) {
    check(`axe open mobile menu ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme, MOBILE);
      await goto(page, 'techniques/palm-circling/', problems);
      await page.locator('#nav-toggle').click();
      if (!(await page.locator('#site-nav').isVisible())) problems.push('the menu did not open; axe ran on the page as it is');
      await page.screenshot({ path: screenshotPath('menu', MOBILE.width, theme) });
      problems.push(...describeViolations(await runAxe(page)));
    });
    check(`axe print-emulated page ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme);
      await goto(page, 'techniques/palm-circling/', problems);
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: screenshotPath('print', DESKTOP.width, theme), fullPage: true });
      problems.push(...describeViolations(await runAxe(page)));
    });
  }

  for (const theme of ['light', 'dark']) {
    check(`screenshots 375px ${theme}`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, theme, MOBILE);
      for (const p of PAGES) {
        await goto(page, p.path, problems);
        await page.screenshot({ path: screenshotPath(p.name, MOBILE.width, theme), fullPage: true, timeout: 10_000 });
      }
    });
  }
}

/** Runs after every other check: the 1280px shots come from the axe checks. */
function checkScreenshotsWritten() {
  check(`screenshots 375px and 1280px, light and dark, written to ${SCREENSHOT_DIR}`, async (problems) => {
    for (const theme of ['light', 'dark']) {
      for (const width of [MOBILE.width, DESKTOP.width]) {
        for (const p of PAGES) {
          const file = screenshotPath(p.name, width, theme);
          if (!(fs.statSync(file, { throwIfNoEntry: false })?.size > 0)) problems.push(`${file} was not written`);
        }
      }
    }
  });
}

function checkNoJs() {
  for (const p of PAGES) {
    check(`no JS ${p.name}: loads, nav reachable, search submits to the page list`, async (problems, onCleanup) => {
      const page = await openPage(onCleanup, 'nojs', MOBILE);
      watch(page, problems, onCleanup);
      await goto(page, p.path, problems);
      await page.screenshot({ path: screenshotPath(`nojs-${p.name}`, MOBILE.width, 'light'), fullPage: true });
      if ((await page.locator('main#main').count()) !== 1) problems.push('no <main id="main">');

      // Without JS the search form submits to /search/, which lists every page by section.
      const search = page.locator('#search');
      if ((await search.count()) === 0) {
        problems.push('no #search form in the page');
      } else if (await search.first().isVisible()) {
        if ((await search.first().getAttribute('action')) !== `${BASE}search/`) problems.push(`#search submits to ${await search.first().getAttribute('action')}, expected ${BASE}search/`);
        if (p.name === 'home') {
          await page.locator('#search-input').fill('massages');
          await Promise.all([page.waitForURL(/\/search\/\?q=massages/, { timeout: 5_000 }).catch(() => {}), page.locator('#search-input').press('Enter')]);
          if (!/\/search\/\?q=massages/.test(page.url())) problems.push(`submitting the search form went to ${page.url()}`);
          const listed = await page.locator(`main a[href="${SEARCH_TARGET}"]`).count();
          if (!listed) problems.push(`the search page does not list ${SEARCH_TARGET}`);
          await goto(page, p.path, problems);
        }
      } else if (p.name !== '404') {
        problems.push('#search is not visible without JS');
      }
      if ((await page.locator('#theme-toggle').count()) && (await page.locator('#theme-toggle').isVisible())) {
        problems.push('#theme-toggle is visible without JS (it cannot work)');
      }

      // The section nav is reachable with the keyboard: by tabbing into it, or
      // through a visible link to it (#site-nav, e.g. via :target).
      const nav = page.locator('#site-nav');
      if ((await nav.count()) !== 1) {
        problems.push(`expected one #site-nav, found ${await nav.count()}`);
        return;
      }
      const inNav = () => !!document.activeElement?.closest('#site-nav');
      if (await tabUntil(page, inNav, undefined, 150)) return;
      const jump = page.locator('a[href$="#site-nav"]');
      let reached = false;
      for (let i = 0; i < (await jump.count()); i++) {
        if (!(await jump.nth(i).isVisible())) continue;
        await jump.nth(i).click();
        reached = (await nav.isVisible()) && (await page.locator('#site-nav a').first().isVisible());
        if (reached) break;
      }
      if (!reached) problems.push('#site-nav is neither reachable by Tab nor opened by a visible link to #site-nav');
    });
  }
}

// --------------------------------------------------------------------- main

async function main() {
  const outDir = process.argv[2];
  if (!outDir || !fs.existsSync(path.join(outDir, 'index.html'))) {
    console.log(`usage: node run.mjs <built site folder with index.html> (got ${outDir})`);
    return 2;
  }
  const root = fs.realpathSync(path.resolve(outDir));
  let server;
  try {
    server = await serve(root);
    origin = `http://127.0.0.1:${server.address().port}`;
    console.log(`serving ${root} at ${origin}${BASE}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
    console.log(`browser: ${CHROMIUM} ${browser.version()}; axe-core ${require('axe-core/package.json').version}`);

    checkLoads();
    checkSearch();
    checkThemeToggle();
    checkNavigation();
    checkReaders();
    checkLayout();
    checkAxeAndScreenshots();
    checkNoJs();
    await runChecks(JOBS);
    const before = CHECKS.length;
    checkScreenshotsWritten();
    if (CHECKS.length > before) {
      const { problems, ms } = await runCheck(CHECKS[before]);
      report(CHECKS[before].name, problems, ms);
    }
  } finally {
    if (browser) await withTimeout(browser.close(), 10_000, 'closing the browser').catch((e) => console.log(String(e)));
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`browser checks: ${results.length - failed} passed, ${failed} failed`);
  if (results.length === 0) {
    console.log('no check ran');
    return 1;
  }
  return failed ? 1 : 0;
}

const watchdog = setTimeout(async () => {
  console.log(`FAIL run: the browser checks did not finish within ${TOTAL_MS / 1000} s`);
  if (browser) await withTimeout(browser.close(), 5_000, 'closing the browser').catch(() => {});
  process.exit(1);
}, TOTAL_MS);

main()
  .then((code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  })
  .catch(async (err) => {
    clearTimeout(watchdog);
    console.log(`FAIL run: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  });
