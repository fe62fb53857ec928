// The built site's Content-Security-Policy: the whole tutorial runs under it with no violation reported,
// and script injected into the page (an inline <script>, an inline event handler) is blocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedSite, openPage } from './support.mjs';

const served = servedSite();

async function openWatched(url) {
  const opened = await openPage(served.browser, 'about:blank');
  await opened.page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await opened.page.goto(url);
  return opened;
}

test('both tutorials run and clean up under the CSP with no violation; injected script is blocked', async (t) => {
  let runs = 0;
  for (const tutorial of ['access-package-beta', 'access-package-v1']) {
    const { page, context, errors } = await openWatched(`${served.site.url}/?tutorial=${tutorial}&latency=0&delivery=100`);
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.match(policy, /script-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    await page.evaluate(() => localStorage.clear());
    await page.click('#run-all');
    await page.waitForFunction(() => [...document.querySelectorAll('li.step')].every((c) => c.dataset.status === 'passed'), null, {
      timeout: 60_000,
    });
    await page.click('#clean-up');
    await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
      timeout: 60_000,
    });
    runs += 1;
    assert.deepEqual(await page.evaluate(() => window.__violations), [], `${tutorial}: no CSP violation during the run`);
    assert.deepEqual(errors, []);

    if (tutorial === 'access-package-v1') {
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true';
        document.body.appendChild(script);
        const holder = document.createElement('div');
        holder.innerHTML = '<img src="data:," onload="window.__handlerRan = true" onerror="window.__handlerRan = true">';
        document.body.appendChild(holder);
      });
      await page.waitForFunction(() => window.__violations.length >= 2, null, { timeout: 5000 });
      const ran = await page.evaluate(() => [window.__inlineRan, window.__handlerRan]);
      assert.deepEqual(ran, [undefined, undefined], 'neither injected script ran');
      const violations = await page.evaluate(() => window.__violations);
      assert.ok(violations.every((v) => /^script-src/.test(v)), violations.join('; '));
      t.diagnostic(`csp: full runs ${runs} with violations 0; injected scripts 2, executed 0, reported ${violations.length}`);
    }
    await context.close();
  }
});
