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
  let runViolations = 0;
  for (const tutorial of ['access-package-beta', 'access-package-v1']) {
    const { page, context, errors } = await openWatched(`${served.site.url}/?tutorial=${tutorial}&latency=0&delivery=100`);
    await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.match(policy, /script-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    await page.evaluate(() => localStorage.clear());
    await page.click('#run-all');
    await page.waitForFunction(() => [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => c.dataset.status === 'passed'), null, {
      timeout: 60_000,
    });
    await page.click('#clean-up');
    await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
      timeout: 60_000,
    });
    runs += 1;
    const during = await page.evaluate(() => window.__violations);
    runViolations += during.length;
    assert.deepEqual(during, [], `${tutorial}: no CSP violation during the run`);
    assert.deepEqual(errors, []);

    if (tutorial === 'access-package-v1') {
      // Each injected script sets its own flag if it runs.
      const injected = await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true';
        document.body.appendChild(script);
        const holder = document.createElement('div');
        holder.innerHTML = '<img src="data:," onload="window.__handlerRan = true" onerror="window.__handlerRan = true">';
        document.body.appendChild(holder);
        return ['__inlineRan', '__handlerRan'];
      });
      // Each blocked script is reported; wait for those reports (or for the scripts to have run).
      await page.waitForFunction(
        (flags) => window.__violations.length >= flags.length || flags.every((f) => window[f] !== undefined),
        injected,
        { timeout: 5000 },
      );
      const executed = await page.evaluate((flags) => flags.filter((f) => window[f] !== undefined), injected);
      const violations = await page.evaluate(() => window.__violations);
      t.diagnostic(
        `csp: full runs ${runs} with violations ${runViolations}; injected scripts ${injected.length}, ` +
          `executed ${executed.length}, reported ${violations.length}`,
      );
      assert.deepEqual(executed, [], 'no injected script ran');
      assert.ok(violations.every((v) => /^script-src/.test(v)), violations.join('; '));
    }
    await context.close();
  }
});

test("MSAL's hidden renewal frame may come back to this site's redirect page; other sites' frames are blocked", async () => {
  // A silent renewal loads the sign-in page in a hidden frame, which redirects to redirect.html here.
  const { page, context } = await openWatched(`${served.site.url}/?tutorial=access-package-v1`);
  await page.waitForSelector('ol.steps > li.step');
  const loaded = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const frame = document.createElement('iframe');
        frame.hidden = true;
        frame.src = 'redirect.html';
        frame.onload = () => resolve(frame.contentWindow.location.pathname);
        document.body.appendChild(frame);
      }),
  );
  assert.match(loaded, /redirect\.html$/);
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.src = 'https://example.invalid/';
    document.body.appendChild(frame);
  });
  await page.waitForFunction(() => window.__violations.length > 0, null, { timeout: 5000 });
  const violations = await page.evaluate(() => window.__violations);
  const refused = violations.filter((v) => v.startsWith('frame-src')).map((v) => new URL(v.split(' ')[1]).origin);
  assert.deepEqual(refused, ['https://example.invalid'], 'only the other site was refused');
  await context.close();
});
