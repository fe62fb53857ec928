// The sandbox tenant is a module of its own (crates/page-sandbox): the page asks for it only after its first
// card is painted, and not at all in live mode. A step run before it arrives waits for it; a module that
// cannot be loaded is reported in the panel and on the step, and nothing is sent or lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedSite } from './support.mjs';

const served = servedSite();
const MODULE = /\/page-sandbox-[0-9a-f]+(\.js|_bg\.wasm)$/;

// A page whose requests for the tenant's module go through `route` (if given), recording when the app's first
// card entered the page (not the first render the page carries as HTML, which is there before the app).
async function open(url, route) {
  const context = await served.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  if (route) await context.route(MODULE, route);
  await page.addInitScript(() => {
    window.__seen = {};
    new MutationObserver((_, observer) => {
      if (document.querySelector('body > .app li.step')) {
        window.__seen.card = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  return { page, context, errors };
}

const moduleRequests = (page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => /\/page-sandbox-[0-9a-f]+(\.js|_bg\.wasm)$/.test(e.name))
      .map((e) => e.startTime),
  );

test('the tenant module is asked for only after the first card is in the page, and not in live mode', async () => {
  const { page, context, errors } = await open(`${served.site.url}/?latency=0`);
  await page.waitForSelector('.sandbox-counts li', { timeout: 15_000 });
  const card = await page.evaluate(() => window.__seen.card);
  const asked = await moduleRequests(page);
  assert.equal(asked.length, 2, 'its JavaScript and its wasm');
  assert.ok(Math.min(...asked) > card, `asked at ${Math.min(...asked)} ms, first card at ${card} ms`);
  assert.match(await page.textContent('.sandbox-counts'), /users/);
  assert.deepEqual(errors, []);
  await context.close();

  const live = await open(`${served.site.url}/?mode=live`);
  await live.page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await live.page.waitForTimeout(1000);
  assert.deepEqual(await moduleRequests(live.page), [], 'live mode never loads the tenant');
  await live.context.close();
});

test('a step run before the tenant has arrived waits for it, then passes', async () => {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const { page, context, errors } = await open(`${served.site.url}/?tutorial=access-package-v1&latency=0`, async (route) => {
    await held;
    await route.continue();
  });
  await page.waitForSelector('#sandbox-loading');
  assert.ok(await page.isDisabled('#fault-429'), 'no faults to set before the tenant is there');
  await page.evaluate(() => localStorage.clear());
  await page.click('li.step >> nth=0 >> button.run-step');
  await page.waitForTimeout(500);
  assert.equal(await page.getAttribute('li.step >> nth=0', 'data-status'), 'running', 'the step waits for the tenant');
  release();
  await page.waitForSelector('li.step[data-status="passed"]', { timeout: 15_000 });
  assert.equal(await page.$('#sandbox-loading'), null, 'the panel no longer says the tenant is starting');
  assert.ok(await page.isEnabled('#fault-429'), 'its faults can be set once it is there');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a tenant module that cannot be loaded is reported in the panel and on the step; nothing is sent', async () => {
  const { page, context } = await open(`${served.site.url}/?tutorial=access-package-v1&latency=0`, (route) =>
    route.fulfill({ status: 404, body: 'not here' }),
  );
  await page.evaluate(() => localStorage.clear());
  const failure = await page.waitForSelector('#sandbox-failure', { timeout: 15_000 });
  assert.match(await failure.textContent(), /could not be loaded.*reload the page/i);

  await page.click('li.step >> nth=0 >> button.run-step');
  await page.waitForSelector('li.step >> nth=0 >> .error-box');
  const error = await page.textContent('li.step >> nth=0 >> .error-box');
  assert.match(error, /sandbox tenant could not be loaded/);
  assert.match(error, /Nothing was sent/);
  assert.match(error, /reload the page \(the run and the tenant are kept\)/, 'the hint fits sandbox mode');
  assert.doesNotMatch(error, /CORS/, 'no advice about servers and origins for the tenant in the page');
  assert.notEqual(await page.getAttribute('li.step >> nth=0', 'data-status'), 'passed');
  await context.close();
});

test('a tenant module that never arrives is given up after 30 s, with a message saying so', async () => {
  const { page, context } = await open(`${served.site.url}/?tutorial=access-package-v1&latency=0`, () => {
    // Never answered.
  });
  await page.waitForSelector('#sandbox-loading');
  const failure = await page.waitForSelector('#sandbox-failure', { timeout: 45_000 });
  assert.match(await failure.textContent(), /did not arrive within 30 s.*reload the page/i);
  await context.close();
});
