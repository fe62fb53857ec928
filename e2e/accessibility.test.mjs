// axe-core (from npm) on the built site: no serious or critical accessibility violation, in the light and
// dark themes and in the embedded layout, with a step run so its response is on the page too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { servedSite, root } from './support.mjs';

const served = servedSite();
const AXE = join(root, 'node_modules', 'axe-core', 'axe.min.js');

async function violations(query, colorScheme, spoil, viewport) {
  // The page's CSP would refuse axe's inline script: this context bypasses it for the audit only.
  const context = await served.browser.newContext({ bypassCSP: true, colorScheme, ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  await page.goto(`${served.site.url}/${query}`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.click('#step-1 button.run-step');
  await page.waitForSelector('#step-1[data-status="passed"]', { timeout: 30_000 });
  if (spoil) await page.evaluate(spoil);
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  await context.close();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} nodes, e.g. ${v.nodes[0]?.target?.join(' ')}`);
}

for (const [name, query, scheme] of [
  ['light theme', '?tutorial=access-package-v1&latency=0', 'light'],
  ['dark theme', '?tutorial=access-package-v1&latency=0', 'dark'],
  ['embedded', `?embed=1&origin=${encodeURIComponent('https://docs.example.com')}&tutorial=access-package-beta&latency=0`, 'light'],
]) {
  test(`axe-core finds no serious or critical violation: ${name}`, async (t) => {
    const found = await violations(query, scheme);
    t.diagnostic(`accessibility (${name}): serious or critical violations ${found.length}`);
    assert.deepEqual(found, []);
  });
}

test('axe-core finds no serious or critical violation: a phone in the dark theme, a panel open in its drawer', async (t) => {
  const openDrawer = () => document.querySelector('#show-panel-variables').click();
  const found = await violations('?tutorial=access-package-v1&latency=0', 'dark', openDrawer, { width: 390, height: 844 });
  t.diagnostic(`accessibility (phone, dark, drawer open): serious or critical violations ${found.length}`);
  assert.deepEqual(found, []);
});

test('the audit is live: a button with no name, added to the page, is reported', async () => {
  const found = await violations('?tutorial=access-package-v1&latency=0', 'light', () => {
    document.querySelector('main').appendChild(document.createElement('button'));
  });
  assert.ok(found.some((v) => v.startsWith('button-name')), found.join('; ') || 'nothing reported');
});
