// A new user's path through the explorer on the release build: run each built-in tutorial, check the
// requestor landed in the group, clean up, and find the sandbox as it was. Plus reload mid-run, keyboard
// only, and the embed layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic, launchBrowser, openPage, artifacts } from './support.mjs';

let site;
let browser;
const RUN_TIMEOUT = 60_000;

before(async () => {
  site = await serveStatic();
  browser = await launchBrowser();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

async function statuses(page) {
  return page.$$eval('li.step:not(.off-path)', (cards) => cards.map((c) => c.dataset.status));
}

async function waitForAllPassed(page) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.step:not(.off-path)')];
      return cards.length > 0 && cards.every((c) => c.dataset.status === 'passed' || c.dataset.status === 'failed');
    },
    null,
    { timeout: RUN_TIMEOUT },
  );
  const failed = await page.$$eval('li.step[data-status="failed"]', (cards) =>
    cards.map((c) => c.querySelector('h3').textContent + ': ' + (c.querySelector('.error-box')?.textContent ?? '')),
  );
  assert.deepEqual(failed, [], 'every step passed');
}

async function sandboxCounts(page) {
  // The tenant's module arrives after the first paint; its counts show once it is there.
  await page.waitForSelector('.sandbox-counts li');
  return page.$$eval('.sandbox-counts li', (items) => items.map((li) => li.textContent.trim()));
}

for (const tutorial of ['access-package-beta', 'access-package-v1']) {
  test(`${tutorial}: Run all passes every step, the requestor joins the group, Clean up leaves nothing`, async () => {
    const { page, context, errors } = await openPage(browser, `${site.url}/?tutorial=${tutorial}&latency=20&delivery=300`);
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    await page.evaluate(() => localStorage.clear());
    const before = await sandboxCounts(page);

    await page.click('#run-all');
    await waitForAllPassed(page);
    const total = (await statuses(page)).length;
    assert.equal(await page.textContent('#progress-text'), `${total}/${total} passed`);

    // The requestor's id, as captured, shows up in the response of the step that lists the group's members.
    const requestor = await page.$$eval('.variables tbody tr', (rows) => {
      const row = rows.find((r) => /requestor/i.test(r.dataset.var) && /id$/i.test(r.dataset.var));
      return row?.querySelector('.var-value')?.textContent;
    });
    assert.ok(requestor, 'the requestor id is among the variables');
    const membersCard = page.locator('li.step[data-step="members"]');
    // A passed card is folded to one line: its title opens it.
    const membersToggle = membersCard.locator('.card-toggle');
    if ((await membersToggle.getAttribute('aria-expanded')) === 'false') await membersToggle.click();
    for (let level = 0; level < 3; level++) {
      for (const toggle of await membersCard.locator('[aria-expanded="false"] > .json-toggle').all()) await toggle.click();
    }
    const membersBody = await membersCard.locator('.response-body').textContent();
    assert.ok(membersBody.includes(requestor), 'the members list includes the requestor');

    await page.screenshot({ path: join(artifacts, `${tutorial}-finished.png`), fullPage: true });

    await page.click('#clean-up');
    await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
      timeout: RUN_TIMEOUT,
    });
    assert.deepEqual(await sandboxCounts(page), before, 'the sandbox holds what it held before the run');
    await page.screenshot({ path: join(artifacts, `${tutorial}-cleaned.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a reload in the middle of a run picks it up, and it finishes and cleans up', async () => {
  const { page, context, errors } = await openPage(browser, `${site.url}/?tutorial=access-package-beta&latency=150&delivery=1500`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  const before = await sandboxCounts(page);
  await page.click('#run-all');
  await page.waitForFunction(() => document.querySelectorAll('li.step[data-status="passed"]').length >= 4, null, {
    timeout: RUN_TIMEOUT,
  });
  await page.reload();
  await page.waitForSelector('.notice');
  assert.match(await page.textContent('.notice'), /Picked up your run/);
  const passedAfterReload = (await statuses(page)).filter((s) => s === 'passed').length;
  assert.ok(passedAfterReload >= 4, `kept ${passedAfterReload} passed steps`);

  await page.click('#run-all');
  await waitForAllPassed(page);
  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.deepEqual(await sandboxCounts(page), before);
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard only: Tab reaches Run all, Enter runs it, and a step can be focused and run', async () => {
  const { page, context, errors } = await openPage(browser, `${site.url}/?tutorial=access-package-v1&latency=0&delivery=100`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'run-all');
  }
  assert.ok(reached, 'Run all is reachable with Tab');
  await page.keyboard.press('Enter');
  await waitForAllPassed(page);

  // Every interactive control has an accessible name.
  const unnamed = await page.$$eval('button, select, input, textarea', (els) =>
    els
      .filter((el) => el.offsetParent !== null)
      .filter((el) => {
        const label = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent;
        return !label || !label.trim();
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('?step= focuses that card', async () => {
  const { page, context } = await openPage(browser, `${site.url}/?tutorial=access-package-beta&step=5&latency=0`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.waitForFunction(() => document.activeElement?.id === 'step-5', null, { timeout: 5000 });
  await context.close();
});

test('the embed layout is compact and reports its height only to the named origin', async () => {
  const docs = await serveStatic(artifacts); // any other origin will do as the "docs page"
  const { page, context, errors } = await openPage(browser, `${docs.url}/none`);
  const appUrl = `${site.url}/?embed=1&tutorial=access-package-v1&latency=0&origin=${encodeURIComponent(docs.url)}`;
  const height = await page.evaluate(async (src) => {
    const got = new Promise((resolve) => {
      window.addEventListener('message', (e) => {
        if (e.data?.type === 'graphwalk:height') resolve({ origin: e.origin, height: e.data.height });
      });
    });
    const frame = document.createElement('iframe');
    frame.src = src;
    frame.style.width = '600px';
    document.body.appendChild(frame);
    return got;
  }, appUrl);
  assert.equal(height.origin, site.url);
  assert.ok(height.height > 200, `reported a height of ${height.height}`);
  const frame = page.frames().find((f) => f.url().startsWith(site.url));
  assert.equal(await frame.$('header h1'), null, 'no page chrome in the embed layout');
  await page.screenshot({ path: join(artifacts, 'embed.png') });
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
  await context.close();
  await docs.close();
});

test('the embed script turns a placeholder into a sized iframe', async () => {
  const docs = await serveStatic(artifacts);
  const { page, context } = await openPage(browser, `${docs.url}/none`);
  await page.setContent(`<div data-graphwalk data-tutorial="access-package-v1" data-step="2"></div>
    <script src="${site.url}/embed.js"></script>`);
  const frame = await page.waitForSelector('iframe');
  const src = await frame.getAttribute('src');
  assert.match(src, /embed=1/);
  assert.match(src, /tutorial=access-package-v1/);
  assert.match(src, /step=2/);
  await page.waitForFunction(() => parseInt(document.querySelector('iframe').style.height, 10) !== 600, null, {
    timeout: 15000,
  });
  await context.close();
  await docs.close();
});
