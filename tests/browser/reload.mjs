// Live reload in a real browser, against a running `knead serve`:
//   node reload.mjs <page URL> <the page's Markdown file>
// Edits the file and checks that the open page reloads by itself, that a
// broken front matter shows the error overlay, and that the fix clears it.
// Prints one ok/FAIL line per check and exits 0 only when all pass.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [url, file] = process.argv.slice(2);
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT = { timeout: 15_000 };
const MARK = 'KNEAD-LIVE-RELOAD-MARK';

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${String(err).split('\n')[0]}`);
  }
}

function edit(from, to) {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  fs.writeFileSync(file, text.replace(from, to));
}

const original = fs.readFileSync(file, 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.KNEAD_CHROMIUM || '/usr/bin/chromium',
  args: LAUNCH_ARGS,
  timeout: 30_000,
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(url, WAIT);
  // Let the event stream connect before the first edit.
  await page.waitForTimeout(500);

  await check('a saved edit reloads the open page', async () => {
    edit('## What it is', `## What it is\n\n${MARK}\n`);
    await page.waitForFunction((m) => document.body.innerText.includes(m), MARK, WAIT);
  });
  await check('a broken page shows the error overlay with the terminal text', async () => {
    edit('title: Swedish Massage', 'titel: Swedish Massage');
    await page.waitForSelector('#knead-error-overlay', WAIT);
    const text = await page.textContent('#knead-error-overlay');
    if (!text.includes('content/types/swedish.md')) throw new Error(`overlay says: ${text}`);
  });
  await check('the fix clears the overlay and reloads', async () => {
    edit('titel: Swedish Massage', 'title: Swedish Massage');
    await page.waitForSelector('#knead-error-overlay', { state: 'detached', ...WAIT });
    await page.waitForFunction((m) => document.body.innerText.includes(m), MARK, WAIT);
  });
  await check('no console errors', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join(' | '));
  });
} finally {
  fs.writeFileSync(file, original);
  await browser.close();
}
console.log(`reload checks: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
