// The screenshots in docs/screenshots/, taken from the built site: a finished run at 1440×900 in the light
// and dark themes, a phone at 390×844 (with no sideways scroll), and the embedded layout. Each is checked for
// what it must show; the files are written with GRAPHWALK_SCREENSHOTS=1 (so `make test` leaves the committed
// pictures alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { servedSite, root } from './support.mjs';

const served = servedSite();
const OUT = join(root, 'docs', 'screenshots');
const WRITE = process.env.GRAPHWALK_SCREENSHOTS === '1';
const RUN_TIMEOUT = 60_000;

async function finishedRun(viewport, colorScheme, query = '') {
  const context = await served.browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${served.site.url}/?tutorial=access-package-v1&latency=0&delivery=100${query}`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.click('#run-all');
  await page.waitForFunction(
    () => [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => c.dataset.status === 'passed'),
    null,
    { timeout: RUN_TIMEOUT },
  );
  return { context, page, errors };
}

async function save(page, name) {
  if (!WRITE) return;
  await mkdir(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, name) });
}

for (const [name, colorScheme] of [
  ['desktop-light.png', 'light'],
  ['desktop-dark.png', 'dark'],
]) {
  test(`screenshot at 1440×900, ${colorScheme}: one-row toolbar, outline, folded cards, panels`, async () => {
    const { context, page, errors } = await finishedRun({ width: 1440, height: 900 }, colorScheme);
    const header = await page.$eval('.app-header', (h) => h.getBoundingClientRect().height);
    assert.ok(header < 70, `the toolbar is one row (${header} px high)`);
    assert.ok(await page.isVisible('#step-rail'), 'the outline is beside the steps');
    assert.ok(await page.isVisible('#panel-variables'), 'the panels are beside the steps');
    assert.ok((await page.$$('li.step.collapsed')).length > 5, 'passed cards are folded');
    // One click in the outline opens a card with its request and response.
    await page.click('#step-rail a[href="#step-6"]');
    assert.equal(await page.getAttribute('#step-6 .card-toggle', 'aria-expanded'), 'true');
    await page.evaluate(() => window.scrollTo(0, 0));
    await save(page, name);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('screenshot at 390×844: no sideways scroll, the outline and panels behind the bottom bar', async () => {
  const { context, page, errors } = await finishedRun({ width: 390, height: 844 }, 'light');
  await page.click('#expand-all');
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.equal(scroll, client, 'no sideways scroll with every card open');
  await page.click('#collapse-all');
  await page.evaluate(() => window.scrollTo(0, 0));
  // Load… and Export… open on the screen, under their buttons.
  for (const popover of ['details.load-tutorial', 'details.export-popover']) {
    await page.click(`${popover} > summary`);
    const box = await page.$eval(`${popover} .popover-panel`, (p) => p.getBoundingClientRect().toJSON());
    const button = await page.$eval(`${popover} > summary`, (b) => b.getBoundingClientRect().toJSON());
    assert.ok(box.top >= button.bottom - 1 && box.bottom <= 844 && box.left >= 0 && box.right <= 390, `${popover} is on the screen: ${JSON.stringify(box)}`);
    await page.click(`${popover} > summary`);
  }
  assert.ok(await page.isVisible('#panel-bar'), 'the bar along the bottom');
  assert.ok(!(await page.isVisible('#panel-variables')), 'the panels wait in their drawer');
  await save(page, 'phone.png');
  await page.click('#show-panel-variables');
  assert.ok(await page.isVisible('#panel-variables'), 'one tap opens a panel');
  assert.equal(await page.getAttribute('#show-panel-variables', 'aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'variables-title', 'focus goes into the drawer');
  await save(page, 'phone-variables.png');
  // Esc closes the drawer and gives focus back to its button.
  await page.keyboard.press('Escape');
  assert.ok(!(await page.isVisible('#panel-variables')), 'Esc closed the drawer');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'show-panel-variables');
  // The outline opens as a drawer too, and a step in it closes it and opens the card.
  await page.click('#show-outline');
  assert.equal(await page.getAttribute('#show-outline', 'aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-rail-title', 'focus goes into the outline');
  await page.keyboard.press('Escape');
  assert.ok(!(await page.isVisible('#step-rail')), 'Esc closed the outline');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'show-outline', 'focus is back on its button');
  await page.click('#show-outline');
  await page.click('#step-rail a[href="#step-3"]');
  assert.ok(!(await page.isVisible('#step-rail')), 'the outline closed');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-3');
  assert.deepEqual(errors, []);
  await context.close();
});

test('screenshot of the embedded layout', async () => {
  const { context, page, errors } = await finishedRun({ width: 760, height: 900 }, 'light', '&embed=1');
  assert.equal(await page.$('header h1'), null, 'no page chrome');
  await save(page, 'embedded.png');
  assert.deepEqual(errors, []);
  await context.close();
});
