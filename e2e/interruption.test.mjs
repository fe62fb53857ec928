// Reloads the page right after each step of the beta tutorial passes, while later requests are still on their
// way, then resumes (Run all) and cleans up. Before cleanup the tenant must hold exactly what one uninterrupted
// run creates (nothing created twice); after it, exactly what it held before (nothing left behind).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveStatic, launchBrowser, openPage, dist, pool } from './support.mjs';

const TUTORIAL = 'access-package-beta';
const PARALLEL = Math.max(1, Number(process.env.GRAPHWALK_CHAOS_PARALLEL ?? 4));
const RUN_TIMEOUT = 120_000;
// Slow enough that the steps after the one that just passed are in flight when the page reloads.
const QUERY = `tutorial=${TUTORIAL}&latency=150&delivery=600`;

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

function delta(after, before) {
  return Object.fromEntries(
    Object.keys({ ...before, ...after })
      .map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)])
      .filter(([, n]) => n !== 0),
  );
}

async function settled(page) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.step:not(.off-path)')];
      return cards.length > 0 && cards.every((c) => ['passed', 'failed', 'skipped'].includes(c.dataset.status));
    },
    null,
    { timeout: RUN_TIMEOUT },
  );
  return page.$$eval('li.step:not([data-status="passed"]):not(.off-path)', (cards) =>
    cards.map((c) => `${c.id} ${c.dataset.status}: ${c.querySelector('.error-box')?.textContent ?? ''}`),
  );
}

async function cleanUp(page) {
  await page.click('#clean-up');
  await page.waitForFunction(() => /Cleanup finished/.test(document.querySelector('.notice')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  return page.textContent('.notice');
}

/// One run; `reloadAfter` is the 1-based step after which the page reloads (0: never).
async function oneRun(reloadAfter, seed) {
  const { page, context, errors } = await openPage(browser, `${site.url}/?${QUERY}&seed=${seed}`);
  try {
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    // The card numbers of the chosen path's steps (the other path's cards are set aside and never run).
    const steps = await page.$$eval('li.step:not(.off-path)', (cards) => cards.map((c) => Number(c.id.replace('step-', ''))));
    const before = await sandboxCounts(page);
    await page.click('#run-all');
    let inFlight = 0;
    let interrupted = 0;
    if (reloadAfter > 0) {
      await page.waitForFunction((n) => document.querySelector(`#step-${n}`)?.dataset.status === 'passed', reloadAfter, {
        timeout: RUN_TIMEOUT,
      });
      inFlight = await page.$$eval('li.step[data-status="running"]', (cards) => cards.length);
      await page.reload();
      await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
      // An interrupted create is reported on its card, not silently sent again.
      interrupted = await page.$$eval('li.step .error-title', (titles) =>
        titles.filter((t) => /Interrupted by a reload/.test(t.textContent)).length,
      );
      await page.waitForFunction(() => document.querySelector('#run-all')?.getAttribute('aria-disabled') !== 'true', null, { timeout: RUN_TIMEOUT });
      await page.click('#run-all');
    }
    const notPassed = await settled(page);
    const created = delta(await sandboxCounts(page), before);
    const cleanupNotice = await cleanUp(page);
    const left = delta(await sandboxCounts(page), before);
    return { reloadAfter, steps, inFlight, interrupted, notPassed, created, cleanupNotice, left, errors };
  } finally {
    await context.close();
  }
}

test(`${TUTORIAL}: a reload after each step, then Run all and Clean up, creates nothing twice and leaves nothing`, async (t) => {
  const baseline = await oneRun(0, 500);
  assert.deepEqual(baseline.notPassed, [], 'the uninterrupted run passes');
  assert.ok(Object.keys(baseline.created).length > 0, 'the run creates objects');

  const cases = baseline.steps;
  const results = await pool(PARALLEL, cases.map((n) => () => oneRun(n, 500 + n)));
  results.sort((a, b) => a.reloadAfter - b.reloadAfter);

  const duplicated = results.filter((r) => JSON.stringify(r.created) !== JSON.stringify(baseline.created));
  const leftBehind = results.filter((r) => Object.keys(r.left).length > 0);
  const figures =
    `interruption ${TUTORIAL}: reloads ${results.length} (one after each step), requests in flight at reload ` +
    `${results.reduce((n, r) => n + r.inFlight, 0)}, creates interrupted ${results.reduce((n, r) => n + r.interrupted, 0)}, ` +
    `runs with duplicates ${duplicated.length}, runs with leftovers ${leftBehind.length}; ` +
    `one run creates ${JSON.stringify(baseline.created)}`;
  t.diagnostic(figures);

  for (const r of results) {
    assert.deepEqual(r.notPassed, [], `reload after step ${r.reloadAfter}: every step passed after resuming`);
    assert.deepEqual(r.created, baseline.created, `reload after step ${r.reloadAfter}: nothing created twice`);
    assert.match(r.cleanupNotice, /everything this run created has been removed/, `reload after step ${r.reloadAfter}`);
    assert.deepEqual(r.left, {}, `reload after step ${r.reloadAfter}: nothing left behind`);
    assert.deepEqual(r.errors, [], `reload after step ${r.reloadAfter}: no console errors`);
  }
});

/// A finished run, then Clean up with a reload once `removedBeforeReload` objects are gone; then Clean up again
/// if anything is still on the ledger. Returns what the tenant holds beyond what it held before.
async function cleanupRun(removedBeforeReload, seed) {
  const { page, context, errors } = await openPage(browser, `${site.url}/?${QUERY}&seed=${seed}`);
  try {
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    const before = await sandboxCounts(page);
    await page.click('#run-all');
    const notPassed = await settled(page);
    const entries = await page.$$eval('.ledger-entry', (items) => items.length);
    await page.click('#clean-up');
    await page.waitForFunction((n) => document.querySelectorAll('.ledger-entry.removed').length >= n, removedBeforeReload, {
      timeout: RUN_TIMEOUT,
    });
    await page.reload();
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    // Cleanup picks up by itself once the saved run is restored; whatever it could not finish, Clean up does again.
    await page.waitForFunction(
      () =>
        /Picked up your run|Cleanup finished/.test(document.querySelector('.notice')?.textContent ?? '') &&
        document.querySelector('#run-all')?.getAttribute('aria-disabled') !== 'true',
      null,
      { timeout: RUN_TIMEOUT },
    );
    const idle = () =>
      page.waitForFunction(
        () => document.querySelector('#run-all')?.getAttribute('aria-disabled') !== 'true' && !document.querySelector('.ledger-entry.removing'),
        null,
        { timeout: RUN_TIMEOUT },
      );
    await idle();
    let again = 0;
    while ((await page.$$eval('.ledger-entry:not(.removed)', (items) => items.length)) > 0 && again < 3) {
      again += 1;
      await page.click('#clean-up');
      await idle();
    }
    const left = delta(await sandboxCounts(page), before);
    const notRemoved = await page.$$eval('.ledger-entry:not(.removed)', (items) => items.map((li) => li.textContent));
    return { removedBeforeReload, entries, notPassed, again, left, notRemoved, errors };
  } finally {
    await context.close();
  }
}

test(`${TUTORIAL}: a reload during cleanup, after each object is removed, then Clean up leaves nothing`, async (t) => {
  const probe = await cleanupRun(1, 900);
  const cases = Array.from({ length: Math.max(0, probe.entries - 2) }, (_, i) => i + 2);
  const results = [probe, ...(await pool(PARALLEL, cases.map((n) => () => cleanupRun(n, 900 + n))))];
  results.sort((a, b) => a.removedBeforeReload - b.removedBeforeReload);
  const leftBehind = results.filter((r) => Object.keys(r.left).length > 0 || r.notRemoved.length > 0);
  t.diagnostic(
    `interruption ${TUTORIAL} cleanup: reloads ${results.length} (one after each of ${probe.entries - 1} removals), ` +
      `second Clean ups ${results.reduce((n, r) => n + r.again, 0)}, runs with leftovers ${leftBehind.length}`,
  );
  for (const r of results) {
    assert.deepEqual(r.notPassed, [], `reload after ${r.removedBeforeReload} removals: the run passed`);
    assert.deepEqual(r.notRemoved, [], `reload after ${r.removedBeforeReload} removals: the ledger is clean`);
    assert.deepEqual(r.left, {}, `reload after ${r.removedBeforeReload} removals: nothing left behind`);
    assert.deepEqual(r.errors, [], `reload after ${r.removedBeforeReload} removals: no console errors`);
  }
});
