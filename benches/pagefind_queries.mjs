// Bytes a reader downloads for a first and a second query with Pagefind,
// measured in headless Chromium (Pagefind searches with WebAssembly in the
// browser), for benches/budgets.py --pagefind:
//
//   node benches/pagefind_queries.mjs SITE "first query" "second query"
//
// SITE is a built site that `npx pagefind --site SITE` has indexed. A server
// on 127.0.0.1 serves it and counts the bytes of every response; a page
// loads Pagefind's JS API, runs each query and loads the data of the first
// 10 results (as knead's search.js shows 10). Prints JSON: per query, the
// bytes and files fetched for it (the first includes Pagefind's script and
// WebAssembly), and the number of hits. Needs the packages of tests/browser
// (`npm ci --prefix tests/browser`) and /usr/bin/chromium (or KNEAD_CHROMIUM).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');

const [site, ...queries] = process.argv.slice(2);
const HARNESS = '/__pagefind_bench.html';
const harness = `<!doctype html><meta charset="utf-8"><script type="module">
const pagefind = await import('/pagefind/pagefind.js');
await pagefind.init();
window.query = async (q) => {
  const found = await pagefind.search(q);
  await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
  return found.results.length;
};
window.ready = true;
</script>`;

const TYPES = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.css': 'text/css' };
let bytes = 0;
let files = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let body;
  if (url.pathname === HARNESS) {
    body = Buffer.from(harness);
  } else {
    const file = path.join(site, decodeURIComponent(url.pathname));
    if (!file.startsWith(path.resolve(site)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    body = fs.readFileSync(file);
    bytes += body.length;
    files += 1;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(url.pathname)] || 'application/octet-stream' });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.KNEAD_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const results = [];
try {
  const page = await browser.newPage();
  await page.goto(origin + HARNESS);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
  for (const q of queries) {
    const started = Date.now();
    const hits = await page.evaluate((text) => window.query(text), q);
    results.push({ query: q, hits, bytes, files, ms: Date.now() - started });
    bytes = 0;
    files = 0;
  }
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(results));
