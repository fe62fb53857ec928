// Runs every built-in tutorial many times in the browser against the in-page sandbox while it throttles (429),
// fails (503), lags (404 for just-created objects) and answers slowly, each run from its own seed. Every run
// must pass every step, and Clean up must leave the tenant holding exactly what it held before.
//
// GRAPHWALK_SOAK_RUNS sets the runs per tutorial (`make soak` uses 50); GRAPHWALK_CHAOS_PARALLEL how many
// pages run at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveStatic, launchBrowser, openPage, dist, pool } from './support.mjs';

const RUNS = Number(process.env.GRAPHWALK_SOAK_RUNS ?? 3);
const PARALLEL = Math.max(1, Number(process.env.GRAPHWALK_CHAOS_PARALLEL ?? 4));
const RUN_TIMEOUT = 180_000;
const FAULTS = 'throttle=0.2&unavailable=0.1&lag=400&retry_after=0&latency=25&delivery=400';

let site;
let browser;

before(async () => {
  site = await serveStatic(process.env.GRAPHWALK_DIST ?? dist);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

async function sandboxCounts(page) {
  // The tenant's module arrives after the first paint; its counts show once it is there.
  await page.waitForSelector('.sandbox-counts li');
  return page.$$eval('.sandbox-counts li', (items) =>
    Object.fromEntries(items.map((li) => [li.dataset.collection, Number(li.querySelector('.count').textContent)])),
  );
}

/// Parses "N requests answered: X throttled (429), Y unavailable (503), Z not yet replicated (404)."
async function faultStats(page) {
  const text = await page.textContent('#fault-stats', { timeout: 15_000 });
  const numbers = text.match(/\d+/g)?.map(Number) ?? [];
  assert.equal(numbers.length, 7, `fault stats read: ${text}`);
  const [requests, throttled, , unavailable, , lagged] = numbers;
  return { requests, throttled, unavailable, lagged };
}

async function everyStepSettled(page, timeout) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.step:not(.off-path)')];
      return cards.length > 0 && cards.every((c) => ['passed', 'failed', 'skipped'].includes(c.dataset.status));
    },
    null,
    { timeout },
  );
  return page.$$eval('li.step:not([data-status="passed"]):not(.off-path)', (cards) =>
    cards.map((c) => `${c.id} ${c.dataset.status}: ${c.querySelector('.error-box')?.textContent ?? ''}`),
  );
}

async function oneRun(tutorial, seed) {
  const url = `${site.url}/?tutorial=${tutorial}&seed=${seed}&${FAULTS}`;
  const { page, context, errors } = await openPage(browser, url);
  try {
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    const before = await sandboxCounts(page);
    await page.click('#run-all');
    const notPassed = await everyStepSettled(page, RUN_TIMEOUT);
    const retries = await page.$$eval('.timeline li.attempt.retry', (items) => items.length);
    await page.click('#clean-up');
    await page.waitForFunction(
      () => /Cleanup finished/.test(document.querySelector('.notice')?.textContent ?? ''),
      null,
      { timeout: RUN_TIMEOUT },
    );
    const cleanupNotice = await page.textContent('.notice');
    const afterCounts = await sandboxCounts(page);
    const leftovers = Object.keys({ ...before, ...afterCounts }).reduce(
      (sum, name) => sum + Math.max(0, (afterCounts[name] ?? 0) - (before[name] ?? 0)),
      0,
    );
    const stats = await faultStats(page);
    return { tutorial, seed, notPassed, retries, leftovers, stats, cleanupNotice, errors, before, afterCounts };
  } finally {
    await context.close();
  }
}

for (const tutorial of ['access-package-beta', 'access-package-v1']) {
  test(`${tutorial}: ${RUNS} runs with 429s, 503s, replication lag and latency all finish and clean up`, async (t) => {
    const seeds = Array.from({ length: RUNS }, (_, i) => 1000 + i * 7919);
    const results = await pool(PARALLEL, seeds.map((seed) => () => oneRun(tutorial, seed)));
    const total = results.reduce(
      (sum, r) => ({
        requests: sum.requests + r.stats.requests,
        throttled: sum.throttled + r.stats.throttled,
        unavailable: sum.unavailable + r.stats.unavailable,
        lagged: sum.lagged + r.stats.lagged,
        retries: sum.retries + r.retries,
        leftovers: sum.leftovers + r.leftovers,
        finished: sum.finished + (r.notPassed.length === 0 ? 1 : 0),
      }),
      { requests: 0, throttled: 0, unavailable: 0, lagged: 0, retries: 0, leftovers: 0, finished: 0 },
    );
    const faults = total.throttled + total.unavailable + total.lagged;
    const figures =
      `chaos ${tutorial}: runs ${results.length}, finished ${total.finished}, requests ${total.requests}, ` +
      `faults injected ${faults} (429: ${total.throttled}, 503: ${total.unavailable}, lag 404: ${total.lagged}), ` +
      `step retries ${total.retries}, leftovers ${total.leftovers}`;
    t.diagnostic(figures);

    for (const r of results) {
      assert.deepEqual(r.notPassed, [], `seed ${r.seed}: every step passed`);
      assert.match(r.cleanupNotice, /everything this run created has been removed/, `seed ${r.seed}: ${r.cleanupNotice}`);
      assert.deepEqual(r.afterCounts, r.before, `seed ${r.seed}: the sandbox holds what it held before`);
      assert.deepEqual(r.errors, [], `seed ${r.seed}: no console errors`);
    }
    assert.equal(total.leftovers, 0);
    // The faults really were injected, and the runner really retried through them.
    assert.ok(total.throttled > 0 && total.unavailable > 0 && total.lagged > 0, figures);
    assert.ok(total.retries > 0, figures);
  });
}
