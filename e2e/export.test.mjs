// Exporting a run: each format downloads as a file holding the run's requests, with the token a placeholder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servedSite, openPage } from './support.mjs';

const served = servedSite();

test('each export format downloads the run with its captured ids and no token', async () => {
  const { page, context, errors } = await openPage(served.browser, `${served.site.url}/?tutorial=access-package-v1&latency=0&delivery=100`, {
    acceptDownloads: true,
  });
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());
  await page.click('#run-all');
  await page.waitForFunction(() => [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => c.dataset.status === 'passed'), null, {
    timeout: 60_000,
  });
  const tag = await page.$eval('.variables tr[data-var="run.tag"] .var-value', (e) => e.textContent);
  const expected = {
    http: [/^(###|@|#)/m, /POST /],
    curl: [/curl /, /^#!/m],
    powershell: [/Invoke-MgGraphRequest/],
    hurl: [/^POST /m, /HTTP \d{3}|HTTP \*/],
  };
  for (const [format, patterns] of Object.entries(expected)) {
    // The export controls are in the toolbar's Export… popover.
    if (!(await page.$eval('details.export-popover', (d) => d.open))) await page.click('#export-toggle');
    await page.selectOption('#export-format', format);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    const text = await readFile(await download.path(), 'utf8');
    assert.ok(download.suggestedFilename().startsWith('access-package-v1.'), download.suggestedFilename());
    for (const pattern of patterns) assert.match(text, pattern, `${format} export`);
    assert.ok(text.includes(tag), `${format} export carries the run's tag`);
    assert.ok(!/Bearer\s+ey/.test(text), `${format} export holds no token`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
