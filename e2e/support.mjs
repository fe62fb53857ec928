// Shared pieces of the end-to-end tests: a static server for dist/, and Debian's Chromium driven by playwright-core
// (both from scripts/site-server.mjs, which the build uses too).
import { before, after } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic as serveDir, launchBrowser } from '../scripts/site-server.mjs';

export { launchBrowser };

export const root = fileURLToPath(new URL('..', import.meta.url));
// GRAPHWALK_DIST serves another build (bench/compare.sh measures two builds side by side).
export const dist = process.env.GRAPHWALK_DIST ?? join(root, 'dist');
export const artifacts = join(root, 'e2e', 'artifacts');

// Serves `dir` (the built site unless told otherwise) on 127.0.0.1; see scripts/site-server.mjs.
export function serveStatic(dir = dist, options = {}) {
  return serveDir(dir, options);
}

// For a test file: serves `dir` and launches the browser before its tests, and closes both after them.
// The returned object's `site` and `browser` are there once the tests run.
export function servedSite(dir = dist) {
  const served = { site: undefined, browser: undefined };
  before(async () => {
    served.site = await serveStatic(dir);
    served.browser = await launchBrowser();
  });
  after(async () => {
    await served.browser?.close();
    await served.site?.close();
  });
  return served;
}

// Opens a page that records console errors and uncaught exceptions, so tests can assert there were none.
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(url);
  return { page, context, errors };
}

// Runs the async `jobs` with at most `parallel` of them under way at a time; resolves with their results.
export async function pool(parallel, jobs) {
  const results = [];
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const job = jobs[next++];
      results.push(await job());
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return results;
}
