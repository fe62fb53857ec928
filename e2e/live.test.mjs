// Live mode end to end: the release build (under its Content-Security-Policy) runs both tutorials against a
// real graphwalk-sandbox server over HTTP (CORS preflights included) with a pasted token, cleans up, and
// leaves the token nowhere; 401, 403 and an unreachable Graph each get their message; MSAL.js is only
// downloaded in live mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic, launchBrowser, dist, root, artifacts } from './support.mjs';
import { mkdir } from 'node:fs/promises';

const RUN_TIMEOUT = 90_000;
let site;
let browser;
let server; // { url, child }
let token;

async function startSandboxServer() {
  const binary = join(root, 'target', 'debug', 'graphwalk-sandbox');
  const child = spawn(binary, ['--port', '0', '--delivery-delay-ms', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${binary} did not start: ${out}`)), 15_000);
    child.on('error', (e) => reject(new Error(`cannot run ${binary} (build it with: cargo build -p sandbox-server): ${e.message}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, child };
}

before(async () => {
  site = await serveStatic(process.env.GRAPHWALK_DIST ?? dist);
  server = await startSandboxServer();
  token = (await (await fetch(`${server.url}/_sandbox/token`)).json()).access_token;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  server?.child.kill();
});

/// Opens a page that records console errors and the addresses that answered 404. Graph answers 404 on
/// purpose in some steps, and config.json is optional, so those are checked apart from the console's errors.
async function openPage(browser, url) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  const missing = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 404/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await page.goto(url);
  return { page, context, errors, missing };
}

/// 404s other than Graph's own and the optional config.json: a broken site.
function siteMissing(missing) {
  return missing.filter((u) => !u.startsWith(server.url) && !u.endsWith('/config.json'));
}

/// The same token with some claims changed (sandbox tokens are unsigned).
function withClaims(change) {
  const [head, payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(claims);
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
}

async function resetServer() {
  const res = await fetch(`${server.url}/_sandbox/reset`, { method: 'POST' });
  assert.equal(res.status, 204);
}

async function serverState() {
  return (await fetch(`${server.url}/_sandbox/state`)).json();
}

/// Opens the app in live mode through a link to `graph`, confirms that Graph base URL in the live panel (a
/// link alone does not send a token elsewhere), and pastes `accessToken`.
async function openLive(tutorial, accessToken, graph = server.url) {
  const opened = await openPage(
    browser,
    `${site.url}/?mode=live&tutorial=${tutorial}&graph=${encodeURIComponent(graph)}`,
  );
  const { page } = opened;
  await page.waitForSelector('#live-panel');
  await page.waitForSelector('#linked-graph');
  assert.equal(await page.textContent('#live-graph-base'), 'https://graph.microsoft.com', 'held back until chosen');
  await page.click('#use-linked-graph');
  await page.waitForSelector('#linked-graph', { state: 'detached' });
  await page.click('.paste-token summary');
  await page.fill('#pasted-token', accessToken);
  await page.click('#token-form button[type=submit]');
  await page.waitForSelector('#token-claims');
  return opened;
}

async function waitForSettled(page) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.step:not(.off-path)')];
      return cards.length > 0 && cards.every((c) => ['passed', 'failed', 'skipped', 'idle'].includes(c.dataset.status)) &&
        !document.querySelector('#stop:not([aria-disabled="true"])');
    },
    null,
    { timeout: RUN_TIMEOUT },
  );
}

/// Everything the page could leak a token through: storage, the DOM, and every export format.
async function leakSurfaces(page) {
  const surfaces = await page.evaluate(() => ({
    localStorage: JSON.stringify({ ...localStorage }),
    sessionStorage: JSON.stringify({ ...sessionStorage }),
    dom: document.documentElement.outerHTML,
  }));
  const formats = await page.$$eval('#export-format option', (options) => options.map((o) => o.value));
  assert.ok(formats.length >= 4, 'every export format is offered');
  for (const format of formats) {
    // The export controls are in the toolbar's Export… popover.
    if (!(await page.$eval('details.export-popover', (d) => d.open))) await page.click('#export-toggle');
    await page.selectOption('#export-format', format);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
    surfaces[`export:${format}`] = await readFile(await download.path(), 'utf8');
  }
  return surfaces;
}

for (const tutorial of ['access-package-beta', 'access-package-v1']) {
  test(`${tutorial} in live mode against graphwalk-sandbox over HTTP: every step passes, cleanup restores the tenant, the token is nowhere`, async () => {
    await resetServer();
    const { page, context, errors, missing } = await openLive(tutorial, token);
    assert.equal(await page.$('.sandbox-counts'), null, 'the in-page sandbox panel is replaced by the live panel');
    assert.match(await page.textContent('#claim-account'), /^admin@/);
    assert.equal(await page.$('#missing-scopes'), null, 'the sandbox token has every scope the tutorial needs');
    assert.equal(await page.textContent('#live-graph-base'), server.url);

    await page.click('#run-all');
    await waitForSettled(page);
    const failed = await page.$$eval('li.step[data-status="failed"]', (cards) =>
      cards.map((c) => c.querySelector('h3').textContent + ': ' + (c.querySelector('.error-box')?.textContent ?? '')),
    );
    assert.deepEqual(failed, [], 'every step passed');
    const total = await page.$$eval('li.step:not(.off-path)', (cards) => cards.length);
    // One account signs in live: the run took the administrator's path, so no step ran as the requestor.
    assert.ok(total < (await page.$$eval('li.step', (cards) => cards.length)), 'the requestor\'s own steps are set aside');
    assert.equal(await page.$('li.step:not(.off-path) .runs-as'), null);
    assert.equal(await page.textContent('#progress-text'), `${total}/${total} passed`);
    assert.ok((await serverState()).beyondSeed.length > 0, 'the server holds what the run created');

    // Each response shows the client-request-id the page sent.
    const firstCard = page.locator('li.step').first();
    // A passed card is folded to one line: its title opens it.
    if ((await firstCard.locator('.card-toggle').getAttribute('aria-expanded')) === 'false') await firstCard.locator('.card-toggle').click();
    const headers = firstCard.locator('.response-headers');
    await headers.locator('summary').click();
    await headers.locator('li').first().waitFor();
    const firstHeaders = await headers.textContent();
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${tutorial}-live.png`), fullPage: true });
    assert.match(firstHeaders, /client-request-id\s*:?\s*[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/i);

    await page.click('#clean-up');
    await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
      timeout: RUN_TIMEOUT,
    });
    assert.deepEqual((await serverState()).beyondSeed, [], 'cleanup removed everything the run created on the server');

    for (const [where, text] of Object.entries(await leakSurfaces(page))) {
      assert.ok(!text.includes(token), `the token is not in ${where}`);
      assert.ok(!text.includes(token.split('.')[1]), `no part of the token is in ${where}`);
    }
    assert.deepEqual(errors, []);
    assert.deepEqual(siteMissing(missing), []);
    await context.close();
  });
}

test('an expired token: Graph answers 401 and the page says to sign in again or paste a fresh token', async () => {
  await resetServer();
  const expired = withClaims((c) => (c.exp = Math.floor(Date.now() / 1000) - 600));
  const { page, context } = await openLive('access-package-v1', expired);
  await page.waitForSelector('#token-expired');
  await page.click('li.step:first-of-type .run-step');
  await page.waitForSelector('li.step:first-of-type[data-status="failed"]', { timeout: RUN_TIMEOUT });
  const box = await page.textContent('li.step:first-of-type .error-box');
  assert.match(box, /401/);
  assert.match(box, /expired/i);
  assert.match(box, /sign in again|fresh token/);
  // The card says it once: the transport writes nothing to the page of its own.
  assert.equal(await page.locator('.notice').count(), 0);
  await context.close();
});

test('a token lacking a scope: the panel names it before the run, and the 403 names it too', async () => {
  await resetServer();
  const lacking = withClaims((c) => (c.scp = c.scp.split(' ').filter((s) => s !== 'EntitlementManagement.ReadWrite.All').join(' ')));
  const { page, context } = await openLive('access-package-v1', lacking);
  assert.match(await page.textContent('#missing-scopes'), /EntitlementManagement\.ReadWrite\.All/);
  await page.click('#run-all');
  await page.waitForSelector('li.step[data-status="failed"]', { timeout: RUN_TIMEOUT });
  const box = await page.textContent('li.step[data-status="failed"] .error-box');
  assert.match(box, /403/);
  // The first step refused may be a read: its card names the least permission that step needs, which the
  // token lacks too (it carries no entitlement management permission at all).
  assert.match(box, /lacks the permission EntitlementManagement\.Read(Write)?\.All\./);
  assert.equal(await page.locator('.notice').count(), 0);
  await waitForSettled(page);
  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  await context.close();
});

test('an unreachable Graph base URL: the card says no response came and what to check', async () => {
  const { page, context } = await openLive('access-package-v1', token, 'http://127.0.0.1:9');
  await page.click('li.step:first-of-type .run-step');
  await page.waitForSelector('li.step:first-of-type[data-status="failed"]', { timeout: RUN_TIMEOUT });
  const box = await page.textContent('li.step:first-of-type .error-box');
  assert.match(box, /No response from http:\/\/127\.0\.0\.1:9\//);
  assert.match(box, /Graph base URL/);
  assert.match(box, /CORS/);
  await context.close();
});

test('MSAL.js is downloaded only in live mode, from our own origin, and starts under the CSP', async () => {
  const sandbox = await openPage(browser, `${site.url}/?tutorial=access-package-v1`);
  const sandboxRequests = [];
  sandbox.page.on('request', (r) => sandboxRequests.push(r.url()));
  await sandbox.page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await sandbox.page.reload();
  await sandbox.page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  assert.ok(!sandboxRequests.some((u) => /msal/i.test(u)), 'no MSAL.js in sandbox mode');
  assert.equal(await sandbox.page.evaluate(() => typeof window.msal), 'undefined');
  assert.deepEqual(sandbox.errors, []);
  assert.deepEqual(sandbox.missing, []);
  await sandbox.context.close();

  const clientId = '11111111-2222-3333-4444-555555555555';
  const live = await openPage(browser, `${site.url}/?mode=live&client_id=${clientId}&tutorial=access-package-v1`);
  await live.page.waitForFunction(() => window.msal?.version, null, { timeout: 20_000 });
  assert.match(await live.page.evaluate(() => window.msal.version), /^5\./);
  const src = await live.page.getAttribute('#graphwalk-msal', 'src');
  assert.equal(new URL(src).origin, site.url, 'served from our own origin');
  await live.page.waitForSelector('#sign-in:not([disabled])');
  assert.deepEqual(live.errors, [], 'no CSP or script errors');
  assert.deepEqual(siteMissing(live.missing), []);
  await live.context.close();
});

test('the redirect page runs the MSAL bridge under its own CSP and explains a missing sign-in result', async () => {
  const { page, context, errors } = await openPage(browser, `${site.url}/redirect.html`);
  await page.waitForFunction(() => !/Finishing/.test(document.getElementById('status').textContent));
  assert.match(await page.textContent('#status'), /could not finish/);
  assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused/.test(e)), []);
  await context.close();
});

test('embedded in a docs page, live mode offers a popup or a new tab, never a redirect in the frame', async () => {
  const docs = await serveStatic(artifacts);
  const { page, context } = await openPage(browser, `${docs.url}/none`);
  const src = `${site.url}/?embed=1&mode=live&client_id=11111111-2222-3333-4444-555555555555&tutorial=access-package-v1&origin=${encodeURIComponent(docs.url)}`;
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.id = 'app';
    frame.src = src;
    document.body.appendChild(frame);
  }, src);
  const frame = await (await page.waitForSelector('iframe#app')).contentFrame();
  const link = await frame.waitForSelector('#open-new-tab');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.getAttribute('href'), /embed=0/);
  await context.close();
  await docs.close();
});

test('a link cannot send a real token elsewhere: its Graph base URL waits for the reader, and nothing goes there before', async () => {
  await resetServer();
  const hits = [];
  const { page, context } = await openPage(
    browser,
    `${site.url}/?mode=live&tutorial=access-package-v1&graph=${encodeURIComponent(server.url)}`,
  );
  page.on('request', (r) => {
    if (r.url().startsWith(server.url)) hits.push(r.url());
  });
  await page.waitForSelector('#linked-graph');
  assert.match(await page.textContent('#linked-graph'), /not Microsoft Graph/);
  await page.click('.paste-token summary');
  await page.fill('#pasted-token', token);
  await page.click('#token-form button[type=submit]');
  await page.waitForSelector('#token-claims');
  // Nothing has gone to the linked server: requests would go to Microsoft Graph until it is chosen.
  assert.equal(await page.textContent('#live-graph-base'), 'https://graph.microsoft.com');
  assert.deepEqual(hits, []);
  await context.close();
});

test('a pasted token on the requestor\'s path: their steps are not sent, the page says why, and one click takes the other path', async () => {
  await resetServer();
  const { page, context, errors } = await openLive('access-package-v1', token);
  const sent = [];
  page.on('request', (r) => {
    if (r.url().startsWith(server.url)) sent.push(`${r.method()} ${decodeURIComponent(r.url())}`);
  });
  await page.selectOption('#input-path', 'requestor');
  await page.click('#run-all');
  await waitForSettled(page);
  assert.ok(sent.some((r) => r.startsWith('POST ') && r.includes('/users')), 'the administrator\'s steps were sent');
  assert.deepEqual(sent.filter((r) => /filterByCurrentUser|\/assignmentRequests$/.test(r)), [], 'none of the requestor\'s requests went out');
  const failed = await page.$$eval('li.step[data-status="failed"]', (cards) => cards.map((c) => c.textContent));
  assert.ok(failed.length >= 1, 'the requestor\'s steps stop');
  for (const text of failed) {
    assert.match(text, /pasted token is one account's/);
    assert.match(text, /Nothing was sent/);
  }
  assert.match(await page.textContent('#one-account-requestor'), /cannot sign in beside it/);
  assert.equal(await page.$('#sign-in-as-requestor'), null, 'no second sign-in is offered for a pasted token');
  await page.click('#one-account-path');
  assert.equal(await page.inputValue('#input-path'), 'admin');
  await page.click('#run-all');
  await waitForSettled(page);
  assert.deepEqual(await page.$$eval('li.step[data-status="failed"]', (cards) => cards.length), 0, 'the administrator\'s path finishes');
  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.deepEqual((await serverState()).beyondSeed, []);
  assert.deepEqual(errors, []);
  await context.close();
});
