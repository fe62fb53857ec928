// Keyboard only, on the built site: run the tutorial, open a step's response and walk its JSON tree, edit
// and rerun a request, and clean up, with Tab, Enter, the arrow keys and Ctrl+Enter, never the mouse. Focus
// never falls back to the page's start on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedSite, openPage } from './support.mjs';

const served = servedSite();
const RUN_TIMEOUT = 60_000;

// What has focus, as a short description (and whether it is the page itself).
const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'body';
    return `${a.tagName.toLowerCase()}${a.id ? '#' + a.id : ''}${a.className ? '.' + String(a.className).split(' ').join('.') : ''}`;
  });

// Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`; fails after `max` presses.
async function tabTo(page, selector, { back = false, max = 400 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${selector} not reached with ${back ? 'Shift+Tab' : 'Tab'} in ${max} presses (at ${await focused(page)})`);
}

async function onPathStatuses(page) {
  return page.$$eval('li.step:not(.off-path)', (cards) => cards.map((c) => c.dataset.status));
}

test('keyboard only: run the tutorial, open a response, edit a request and clean up', async () => {
  const { page, context, errors } = await openPage(
    served.browser,
    `${served.site.url}/?tutorial=access-package-v1&latency=0&delivery=100`,
    { viewport: { width: 1440, height: 900 } },
  );
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());

  // Run all, from the toolbar; focus stays on the button through the run.
  await tabTo(page, '#run-all');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => c.dataset.status === 'passed'),
    null,
    { timeout: RUN_TIMEOUT },
  );
  assert.equal(await focused(page), 'button#run-all.primary');
  const total = (await onPathStatuses(page)).length;
  assert.equal(await page.textContent('#progress-text'), `${total}/${total} passed`);

  // The outline leads to step 2, whose card opens and takes focus.
  await tabTo(page, '#step-rail a[href="#step-2"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'step-2');
  assert.equal(await page.getAttribute('#step-2 .card-toggle', 'aria-expanded'), 'true');

  // Its response: into the JSON tree (one tab stop), down its items, and a closed branch opened with Right.
  await tabTo(page, '#step-2 .json-view [role=treeitem][tabindex="0"]');
  const first = await page.evaluate(() => document.activeElement.textContent.slice(0, 40));
  await page.keyboard.press('ArrowDown');
  const second = await page.evaluate(() => document.activeElement.textContent.slice(0, 40));
  assert.notEqual(first, second, 'Down moved to the next item');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'treeitem');
  await page.keyboard.press('Home');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.slice(0, 40)), first);

  // Edit step 1's request: into the editor, add a field to $select, Ctrl+Enter saves; then Run.
  await tabTo(page, '#step-rail a[href="#step-1"]', { back: true });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'step-1');
  await tabTo(page, '#step-1 .edit-request');
  await page.keyboard.press('Enter');
  await tabTo(page, '#step-1-url', { max: 5 });
  await page.keyboard.press('End');
  await page.keyboard.type(',displayName');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#step-1 .edited-badge');
  assert.match(await page.textContent('#step-1 .request-line .url'), /\$select=id,verifiedDomains,displayName$/);
  await tabTo(page, '#step-1 button.run-step');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () =>
      document.querySelector('#step-1')?.dataset.status === 'passed' &&
      /displayName/.test(document.querySelector('#step-1 .response-body')?.textContent ?? ''),
    null,
    { timeout: RUN_TIMEOUT },
  );
  assert.equal(await focused(page), 'button.run-step');

  // Clean up from the Cleanup panel, reached from the panel bar.
  await tabTo(page, '#show-panel-cleanup');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'cleanup-title');
  await tabTo(page, '#panel-clean-up', { max: 60 });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.equal(await focused(page), 'button#panel-clean-up');
  assert.equal(await page.getAttribute('#step-2', 'data-removed'), 'true', 'the card says its objects were removed');
  assert.deepEqual(errors, []);
  await context.close();
});

// Waits until the page has not scrolled for 300 ms (keyboard scrolling is animated), polling.
const scrollSettled = async (page) => {
  await page.evaluate(() => delete window.__scrollSeen);
  await page.waitForFunction(
    () => {
      const now = performance.now();
      const seen = (window.__scrollSeen ??= { y: -1, at: now });
      if (scrollY !== seen.y) Object.assign(seen, { y: scrollY, at: now });
      return now - seen.at >= 300;
    },
    null,
    { polling: 50, timeout: 10_000 },
  );
};

// One press of End lands on the page's real bottom, also when the cards near it were never laid out before
// (an estimate of their height that is wrong would leave the page growing under the reader).
test('after a full run, with every card open, one press of End reaches the bottom of the page', async () => {
  const { page, context, errors } = await openPage(
    served.browser,
    `${served.site.url}/?tutorial=access-package-v1&latency=0&delivery=100`,
    { viewport: { width: 1440, height: 900 } },
  );
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());
  await tabTo(page, '#run-all');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => c.dataset.status === 'passed'),
    null,
    { timeout: RUN_TIMEOUT },
  );
  // The reader opens every card to read the run back, from the top of the page.
  await tabTo(page, '#expand-all');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('li.step:not(.off-path) .card-toggle')].every((t) => t.getAttribute('aria-expanded') === 'true'),
  );
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  await scrollSettled(page);
  await page.keyboard.press('End');
  await scrollSettled(page);
  const at = await page.evaluate(() => ({
    bottom: scrollY + innerHeight,
    height: document.documentElement.scrollHeight,
  }));
  assert.ok(at.bottom >= at.height - 2, `one End press stopped at ${at.bottom} px of ${at.height} px`);
  assert.deepEqual(errors, []);
  await context.close();
});
