// Live mode as a user meets it: the release build (production CSP, authority https://login.microsoftonline.com,
// Graph https://graph.microsoft.com, a client id from config.json) signs in with the real MSAL.js through real
// popups, a redirect, hidden frames and the popup relay, against graphwalk-sandbox's emulated identity platform.
// Playwright routes Microsoft's two hosts to the sandbox for every page, popup and frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { serveStatic, launchBrowser, dist, root } from './support.mjs';
import { startSandbox, routeMicrosoft, GRAPH, LOGIN } from '../scripts/microsoft-hosts.mjs';

const CLIENT = '3c1f7a52-9d4e-4b8a-a6f1-2e5d7c9b0a41';
const PASSWORD = 'Sandbox-Passw0rd!';
const DOMAIN = 'graphwalk-sandbox.onmicrosoft.com';
const ADMIN = `admin@${DOMAIN}`;
const LEAST = `least-privilege-admin@${DOMAIN}`;
const MEMBER = `member@${DOMAIN}`;
const RUN_TIMEOUT = 90_000;
let started;

let site;
let docs;
let browser;
const servers = {};

before(async () => {
  started = Date.now();
  site = await serveStatic(dist, { files: { '/config.json': JSON.stringify({ clientId: CLIENT }) } });
  const docsPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs</title></head><body>
<h1>Create an access package</h1>
<div data-graphwalk data-tutorial="access-package-v1" data-mode="live" data-height="900" data-title="graphwalk"></div>
<script src="${site.url}/embed.js" defer></script></body></html>`;
  docs = await serveStatic(dist, { files: { '/docs.html': docsPage } });
  const app = ['--client-id', CLIENT, '--redirect-uri', `${site.url}/redirect.html`, '--delivery-delay-ms', '300'];
  servers.main = await startSandbox(root, app);
  servers.shortLived = await startSandbox(root, [...app, '--refresh-token-lifetime-secs', '4', '--access-token-lifetime-secs', '60']);
  servers.noConsent = await startSandbox(root, [...app, '--no-admin-consent']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await docs?.close();
  for (const s of Object.values(servers)) s.stop();
  console.log(`sign-in: the tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

async function reset(server) {
  assert.equal((await fetch(`${server.url}/_sandbox/reset`, { method: 'POST' })).status, 204);
}

async function beyondSeed(server) {
  return (await (await fetch(`${server.url}/_sandbox/state`)).json()).beyondSeed;
}

// A fresh browser context with Microsoft's hosts routed to `server`; `seen` records every routed request.
async function open(server, url = `${site.url}/?mode=live&tutorial=access-package-v1`, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const seen = [];
  const errors = [];
  await routeMicrosoft(context, server.url, seen);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused|panicked at/.test(m.text())) errors.push(m.text());
  });
  await page.goto(url);
  return { context, page, seen, errors };
}

// Fills the emulated Microsoft sign-in page in `win` and accepts the consent page if one comes.
async function signInAt(win, upn, password = PASSWORD) {
  await win.waitForSelector('#login');
  assert.equal(new URL(win.url()).origin, LOGIN, 'the sign-in page is at Microsoft\'s address');
  await win.fill('#login', upn);
  await win.fill('#passwd', password);
  await win.click('#sign-in');
}

// Clicks Sign in, signs in as `upn` in the popup, and waits until the panel shows the account.
async function signIn(page, upn) {
  await page.waitForSelector('#sign-in:not([disabled])');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in')]);
  await signInAt(popup, upn);
  await popup.waitForEvent('close', { timeout: 20_000 });
  await page.waitForSelector('#live-account', { timeout: 20_000 });
  assert.equal(await page.textContent('#live-account'), upn);
}

async function waitForSettled(page) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.step:not(.off-path)')];
      return cards.length > 0 && cards.every((c) => ['passed', 'failed', 'skipped', 'idle'].includes(c.dataset.status)) &&
        !document.querySelector('#stop:not([disabled]):not([aria-disabled="true"])');
    },
    null,
    { timeout: RUN_TIMEOUT },
  );
}

async function failedSteps(page) {
  return page.$$eval('li.step[data-status="failed"]', (cards) =>
    cards.map((c) => c.querySelector('h3').textContent + ': ' + (c.querySelector('.error-box')?.textContent ?? '')),
  );
}

async function runAllAndCleanUp(page, server) {
  await page.click('#run-all');
  await waitForSettled(page);
  assert.deepEqual(await failedSteps(page), [], 'every step passed');
  assert.ok((await beyondSeed(server)).length > 0, 'the tenant holds what the run created');
  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.deepEqual(await beyondSeed(server), [], 'cleanup removed everything the run created');
}

// The embedded layout shows one panel at a time: the live panel comes up from the panel bar.
async function openLivePanel(frame) {
  await frame.waitForSelector('#show-panel-live', { timeout: 20_000 });
  if (!(await frame.isVisible('#sign-in'))) await frame.click('#show-panel-live');
}

// Every request that carried a token went to the configured Graph base, and nothing else carried one.
function assertTokensOnlyToGraph(seen) {
  const bearing = seen.filter((r) => r.authorization);
  assert.ok(bearing.length > 0, 'requests with a token were seen');
  for (const r of bearing) assert.ok(r.url.startsWith(`${GRAPH}/`), `a token went to ${r.url}`);
}

test('popup sign-in as the Global Administrator, a full run and its cleanup; the token stays out of storage and the page', async () => {
  await reset(servers.main);
  const { context, page, seen, errors } = await open(servers.main);
  await signIn(page, ADMIN);
  assert.equal(await page.$('#missing-scopes'), null, 'admin consent covers every permission');
  assert.equal(await page.$('#missing-roles'), null, 'a Global Administrator lacks no role');
  await runAllAndCleanUp(page, servers.main);
  assertTokensOnlyToGraph(seen);
  const token = seen.find((r) => r.authorization)?.authorization.replace(/^Bearer /, '');
  const surfaces = await page.evaluate(() => ({
    localStorage: JSON.stringify({ ...localStorage }),
    dom: document.documentElement.outerHTML,
    sessionStorage: JSON.stringify({ ...sessionStorage }),
  }));
  assert.ok(!surfaces.localStorage.includes(token), 'no token in localStorage');
  assert.ok(!surfaces.dom.includes(token), 'no token in the page');
  // MSAL.js keeps its cache in this tab's sessionStorage, as the README says.
  assert.ok(surfaces.sessionStorage.includes(token.split('.')[1]), 'MSAL.js caches the token in sessionStorage');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the least-privilege administrator (User, Identity Governance and Privileged Role Administrator) runs the whole tutorial', async () => {
  await reset(servers.main);
  const { context, page } = await open(servers.main);
  await signIn(page, LEAST);
  await page.waitForSelector('#roles-checked');
  assert.equal(await page.$('#missing-roles'), null, 'the three roles are enough');
  await runAllAndCleanUp(page, servers.main);
  await context.close();
});

test('an account with no role: the panel names the missing roles before the first run, and creating users is refused', async () => {
  await reset(servers.main);
  const { context, page, seen } = await open(servers.main);
  await signIn(page, MEMBER);
  const missing = await page.textContent('#missing-roles', { timeout: 20_000 });
  for (const role of ['User Administrator', 'Identity Governance Administrator', 'Privileged Role Administrator']) {
    assert.match(missing, new RegExp(role), `names ${role}`);
  }
  assert.ok(seen.some((r) => r.url.startsWith(`${GRAPH}/v1.0/roleManagement/directory/roleAssignments`)), 'asked Graph for the roles');
  await page.click('#run-all');
  await waitForSettled(page);
  const failed = await failedSteps(page);
  assert.ok(failed.length > 0 && failed.some((f) => /403/.test(f)), `a 403 stops the run: ${failed}`);
  await context.close();
});

test('closing the sign-in popup says "cancelled" within two seconds', async () => {
  const { context, page } = await open(servers.main);
  await page.waitForSelector('#sign-in:not([disabled])');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in')]);
  await popup.waitForSelector('#login');
  const closedAt = Date.now();
  await popup.close();
  await page.waitForFunction(() => /cancelled/i.test(document.querySelector('#live-message')?.textContent ?? ''), null, { timeout: 10_000 });
  const took = Date.now() - closedAt;
  assert.ok(took < 2_000, `cancelled after ${took} ms`);
  assert.equal(await page.textContent('#sign-in'), 'Sign in', 'the button is ready again');
  console.log(`sign-in: popup closed → cancelled in ${took} ms`);
  // And signing in right after works (the abandoned wait does not block the next one).
  await signIn(page, ADMIN);
  await context.close();
});

test('popup blocked: the page signs in through a redirect instead and comes back signed in', async () => {
  // Headless Chromium lets every window.open through, so this context does what a popup blocker does: the
  // page's window.open answers null.
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.open = () => null;
  });
  await routeMicrosoft(context, servers.main.url);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${site.url}/?mode=live&tutorial=access-package-v1`);
  await page.waitForSelector('#sign-in:not([disabled])');
  let popups = 0;
  page.on('popup', () => popups++);
  await page.click('#sign-in');
  await page.waitForURL((u) => u.origin === LOGIN, { timeout: 20_000 });
  assert.equal(popups, 0, 'no window was opened');
  await signInAt(page, ADMIN);
  await page.waitForURL((u) => u.origin === site.url && !u.pathname.endsWith('redirect.html'), { timeout: 20_000 });
  await page.waitForSelector('#live-account', { timeout: 20_000 });
  assert.equal(await page.textContent('#live-account'), ADMIN);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a second tab signs in from the Microsoft session without a password', async () => {
  const { context, page } = await open(servers.main);
  await signIn(page, ADMIN);
  const second = await context.newPage();
  await second.goto(`${site.url}/?mode=live&tutorial=access-package-v1`);
  await second.waitForSelector('#sign-in:not([disabled])');
  const [popup] = await Promise.all([second.waitForEvent('popup'), second.click('#sign-in')]);
  await popup.waitForEvent('close', { timeout: 20_000 });
  await second.waitForSelector('#live-account');
  assert.equal(await second.textContent('#live-account'), ADMIN);
  await context.close();
});

test('after the refresh token expires, tokens are renewed silently through the hidden frame', async () => {
  const server = servers.shortLived;
  await reset(server);
  const { context, page, seen } = await open(server);
  await signIn(page, ADMIN);
  // The access token is within MSAL.js's 5-minute renewal margin, so the next step needs a new one; the
  // refresh token (4 s) has expired by then.
  await page.waitForTimeout(5_000);
  const before = seen.length;
  await page.click('li.step:first-of-type .run-step');
  await page.waitForSelector('li.step:first-of-type[data-status="passed"]', { timeout: 30_000 });
  const after = seen.slice(before);
  assert.ok(after.some((r) => r.url.includes('/oauth2/v2.0/token') && r.status === 400), 'the refresh token was refused');
  const silent = after.find((r) => r.url.includes('/oauth2/v2.0/authorize') && /[?&]prompt=none/.test(r.url));
  assert.ok(silent, 'a silent authorize request followed');
  assert.equal(silent.frame, 'frame', 'in a hidden frame');
  assert.equal(await page.$('#live-message.bad'), null);
  await context.close();
});

test('embedded in a docs page of another site, sign-in finishes through the popup relay and the frame runs a step', async () => {
  await reset(servers.main);
  const docsUrl = docs.url.replace('127.0.0.1', 'localhost');
  const { context, page } = await open(servers.main, `${docsUrl}/docs.html`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  assert.equal(new URL(frame.url()).hostname, '127.0.0.1', 'the app is on another site than the page');
  await openLivePanel(frame);
  await frame.waitForSelector('#sign-in:not([disabled])', { timeout: 20_000 });
  const t0 = Date.now();
  const [relay] = await Promise.all([page.waitForEvent('popup'), frame.click('#sign-in')]);
  await relay.waitForSelector('#continue:not([disabled])');
  assert.equal(new URL(relay.url()).origin, site.url, 'the relay page is the app\'s own');
  const [child] = await Promise.all([relay.waitForEvent('popup'), relay.click('#continue')]);
  await signInAt(child, ADMIN);
  await frame.waitForSelector('#live-account', { timeout: 20_000 });
  assert.equal(await frame.textContent('#live-account'), ADMIN);
  console.log(`sign-in: cross-site embed signed in ${Date.now() - t0} ms after the click`);
  await frame.click('li.step:first-of-type .run-step');
  await frame.waitForSelector('li.step:first-of-type[data-status="passed"]', { timeout: 30_000 });
  await context.close();
});

test('embedded in another site with the relay window closed: the frame says cancelled, it does not hang', async () => {
  const docsUrl = docs.url.replace('127.0.0.1', 'localhost');
  const { context, page } = await open(servers.main, `${docsUrl}/docs.html`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await openLivePanel(frame);
  await frame.waitForSelector('#sign-in:not([disabled])', { timeout: 20_000 });
  const [relay] = await Promise.all([page.waitForEvent('popup'), frame.click('#sign-in')]);
  await relay.waitForSelector('#continue:not([disabled])');
  await relay.close();
  await frame.waitForFunction(() => /cancelled/i.test(document.querySelector('#live-message')?.textContent ?? ''), null, { timeout: 5_000 });
  assert.equal(await frame.textContent('#sign-in'), 'Sign in');
  await context.close();
});

test('consent not granted: an administrator sees the permissions and consents; a user is told an admin must', async () => {
  await reset(servers.noConsent);
  const member = await open(servers.noConsent);
  await member.page.waitForSelector('#sign-in:not([disabled])');
  const [popup] = await Promise.all([member.page.waitForEvent('popup'), member.page.click('#sign-in')]);
  await signInAt(popup, MEMBER);
  await popup.waitForSelector('#back');
  assert.match(await popup.textContent('main'), /Need admin approval/);
  assert.match(await popup.textContent('main'), /EntitlementManagement\.ReadWrite\.All/);
  await popup.click('#back');
  await member.page.waitForFunction(() => /administrator/i.test(document.querySelector('#live-message')?.textContent ?? ''), null, { timeout: 10_000 });
  await member.context.close();

  const admin = await open(servers.noConsent);
  await admin.page.waitForSelector('#sign-in:not([disabled])');
  const [consent] = await Promise.all([admin.page.waitForEvent('popup'), admin.page.click('#sign-in')]);
  await signInAt(consent, ADMIN);
  await consent.waitForSelector('#accept');
  const listed = await consent.textContent('ul.scopes');
  for (const scope of ['User.ReadWrite.All', 'GroupMember.Read.All', 'RoleManagement.ReadWrite.Directory']) {
    assert.match(listed, new RegExp(scope.replace(/\./g, '\\.')));
  }
  await consent.click('#accept');
  await consent.waitForEvent('close', { timeout: 20_000 });
  await admin.page.waitForSelector('#live-account');
  assert.equal(await admin.page.$('#missing-scopes'), null, 'the token has what was consented');
  await admin.context.close();
});

test('sign-out ends the Microsoft session: the panel is signed out and the next sign-in asks for the password', async () => {
  const { context, page } = await open(servers.main);
  await signIn(page, ADMIN);
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-out')]);
  await popup.waitForEvent('close', { timeout: 20_000 });
  await page.waitForSelector('#sign-in:not([disabled])');
  assert.equal(await page.$('#live-account'), null);
  const cache = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => /accesstoken|refreshtoken/i.test(k)));
  assert.deepEqual(cache, [], 'MSAL.js forgot the tokens');
  const [again] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in')]);
  await again.waitForSelector('#passwd');
  await again.close();
  await context.close();
});

test('a real token never goes to a host other than the configured Graph base, even after a link and a click', async () => {
  const hits = [];
  const listener = createServer((req, res) => {
    hits.push({ url: req.url, authorization: req.headers.authorization ?? null });
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' }).end('{}');
  });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  const elsewhere = `http://127.0.0.1:${listener.address().port}`;
  const { context, page, seen } = await open(
    servers.main,
    `${site.url}/?mode=live&tutorial=access-package-v1&graph=${encodeURIComponent(elsewhere)}`,
  );
  await signIn(page, ADMIN);
  await page.click('#use-linked-graph');
  await page.click('li.step:first-of-type .run-step');
  await page.waitForSelector('li.step:first-of-type[data-status="failed"]', { timeout: 20_000 });
  assert.match(await page.textContent('li.step:first-of-type .error-box'), /not sent|Nothing was sent/i);
  assert.deepEqual(hits.filter((h) => h.authorization), [], 'the other host got no token');
  for (const r of seen.filter((s) => s.authorization)) assert.ok(r.url.startsWith(`${GRAPH}/`), r.url);
  listener.close();
  await context.close();
});

// The user name an access token was issued to (the sandbox's tokens are unsigned JWTs).
function upnOf(authorization) {
  const payload = authorization.replace(/^Bearer /, '').split('.')[1];
  return JSON.parse(Buffer.from(payload, 'base64url').toString()).upn;
}

test('the requestor signs in beside the administrator: first password, a new one, their own consent, and only their token on their steps', async () => {
  await reset(servers.main);
  const { context, page, seen, errors } = await open(servers.main);
  await signIn(page, ADMIN);
  await page.selectOption('#input-path', 'requestor');
  await page.click('#run-all');
  await waitForSettled(page);
  // The run stops at the steps that run as the requestor, and sends nothing for them.
  const stopped = await failedSteps(page);
  assert.ok(stopped.length >= 1, 'a step waits for the requestor');
  for (const step of stopped) {
    assert.match(step, /runs as another account/);
    assert.match(step, /Sign in as the requestor/);
  }
  const requestor = (await page.textContent('#other-accounts .other-upn')).trim();
  assert.match(requestor, new RegExp(`^requestor1-.*@${DOMAIN.replace(/\./g, '\\.')}$`), requestor);
  assert.ok(!seen.some((r) => r.authorization && /filterByCurrentUser/.test(r.url)), 'no requestor request went out');

  // Their first password is masked until asked for.
  assert.match(await page.textContent('#other-password-requestor'), /^•+$/);
  await page.click('#other-accounts button[aria-label="Show the requestor\'s password"]');
  const firstPassword = (await page.textContent('#other-password-requestor')).trim();
  assert.ok(firstPassword.length >= 8 && !/•/.test(firstPassword), 'the password is shown on request');
  // Evaluated by the test's browser connection, which the page's CSP does not govern: the page keeps its
  // production CSP for the whole sign-in.
  await page.evaluate(await readFile(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  const audit = await page.evaluate(() => window.axe.run('#live-panel', { resultTypes: ['violations'] }));
  assert.deepEqual(
    audit.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target}`),
    [],
    'axe-core: the live panel with Other accounts has no serious or critical violation',
  );

  // Someone else at the requestor's sign-in is refused: the administrator (their own sign-in is kept), and
  // a member signed in nowhere here (nothing of them is kept). Neither has consented to the requestor's
  // permission for themselves yet.
  for (const [upn, said] of [[ADMIN, /as admin@/], [MEMBER, /as member@/]]) {
    const [wrong] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in-as-requestor')]);
    await signInAt(wrong, upn);
    await wrong.waitForSelector('#accept');
    await wrong.click('#accept');
    await wrong.waitForEvent('close', { timeout: 20_000 });
    await page.waitForFunction(
      (pattern) => new RegExp(pattern).test(document.querySelector('#live-message')?.textContent ?? ''),
      said.source,
      { timeout: 10_000 },
    );
    assert.match(await page.textContent('#live-message'), /not requestor1-/);
    assert.equal(await page.$('#other-signed-in-requestor'), null);
    assert.equal(await page.textContent('#live-account'), ADMIN);
  }
  const storedAfterStranger = await page.evaluate(() => JSON.stringify({ ...sessionStorage }).toLowerCase());
  assert.ok(!storedAfterStranger.includes(MEMBER), 'nothing of the refused member is kept in the tab');

  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in-as-requestor')]);
  await popup.waitForSelector('#login');
  const asked = new URL(popup.url());
  assert.equal(asked.searchParams.get('prompt'), 'login', 'a fresh sign-in, not the administrator\'s session');
  assert.equal(asked.searchParams.get('login_hint'), requestor, 'their name is filled in');
  assert.equal(await popup.inputValue('#login'), requestor);
  await popup.fill('#passwd', firstPassword);
  await popup.click('#sign-in');
  // forceChangePasswordNextSignIn: Entra asks for a new password first.
  await popup.waitForSelector('#new');
  await popup.fill('#current', firstPassword);
  await popup.fill('#new', 'Requestor-Chose-1');
  await popup.fill('#confirm', 'Requestor-Chose-1');
  await popup.click('#change');
  // EntitlementMgmt-SubjectAccess.ReadWrite has no admin consent here; a user may consent to it.
  await popup.waitForSelector('#accept');
  assert.match(await popup.textContent('body'), /EntitlementMgmt-SubjectAccess\.ReadWrite/);
  await popup.click('#accept');
  await popup.waitForEvent('close', { timeout: 20_000 });
  await page.waitForSelector('#other-signed-in-requestor', { timeout: 20_000 });
  assert.equal(await page.textContent('#live-account'), ADMIN, 'the administrator is still the one signed in');
  // A reload keeps both: the administrator as the signed-in account, the requestor beside them.
  await page.reload();
  await page.waitForSelector('#other-signed-in-requestor', { timeout: 20_000 });
  assert.equal(await page.textContent('#live-account'), ADMIN, 'after a reload the administrator is still the one signed in');
  assert.ok(!(await page.evaluate(() => JSON.stringify({ ...sessionStorage }).toLowerCase())).includes(MEMBER));

  await page.click('#run-all');
  await waitForSettled(page);
  assert.deepEqual(await failedSteps(page), [], 'every step of the requestor\'s path passed');
  const theirs = seen.filter((r) => r.authorization && r.url.startsWith(`${GRAPH}/`) && /filterByCurrentUser|\/me\//.test(r.url));
  assert.ok(theirs.length >= 3, `the requestor's requests were seen: ${theirs.map((r) => r.url)}`);
  for (const r of theirs) assert.equal(upnOf(r.authorization).toLowerCase(), requestor.toLowerCase(), `${r.url} carried the requestor's token`);
  const request = seen.find((r) => r.authorization && r.method === 'POST' && /\/assignmentRequests$/.test(r.url));
  assert.equal(upnOf(request.authorization).toLowerCase(), requestor.toLowerCase(), 'the request is the requestor\'s own');
  const mine = seen.filter((r) => r.authorization && r.method === 'POST' && /\/users$|\/groups$/.test(r.url));
  assert.ok(mine.length > 0);
  for (const r of mine) assert.equal(upnOf(r.authorization), ADMIN, `${r.url} carried the administrator's token`);

  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.deepEqual(await beyondSeed(servers.main), [], 'cleanup removed everything the run created');
  // Signing out forgets both accounts in this tab.
  const [bye] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-out')]);
  await bye.waitForEvent('close', { timeout: 20_000 }).catch(() => {});
  await page.waitForSelector('#sign-in:not([disabled])');
  const kept = await page.evaluate(() => JSON.stringify({ ...sessionStorage }).toLowerCase());
  assert.ok(!kept.includes(requestor.toLowerCase()), 'nothing of the requestor stays in sessionStorage');
  // The requestor's Microsoft session may outlive the sign-out: the next sign-in asks which account.
  const [next] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in')]);
  await next.waitForSelector('#login');
  assert.equal(new URL(next.url()).searchParams.get('prompt'), 'select_account');
  await next.close();
  assert.deepEqual(errors, []);
  await context.close();
});

// Signs the requestor in from the Other accounts section: their first password, a new one, their consent.
async function signInRequestor(page, newPassword) {
  await page.click('#other-accounts button[aria-label="Show the requestor\'s password"]');
  const firstPassword = (await page.textContent('#other-password-requestor')).trim();
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#sign-in-as-requestor')]);
  await popup.waitForSelector('#passwd');
  await popup.fill('#passwd', firstPassword);
  await popup.click('#sign-in');
  await popup.waitForSelector('#new');
  await popup.fill('#current', firstPassword);
  await popup.fill('#new', newPassword);
  await popup.fill('#confirm', newPassword);
  await popup.click('#change');
  await popup.waitForSelector('#accept');
  await popup.click('#accept');
  await popup.waitForEvent('close', { timeout: 20_000 });
  await page.waitForSelector('#other-signed-in-requestor', { timeout: 20_000 });
  // The sign-in button gave way to the result, and focus went with it.
  await page.waitForFunction(() => document.activeElement?.id === 'other-signed-in-requestor', null, { timeout: 5_000 });
}

test('with the requestor signed in too, each account\'s renewal through the hidden frame stays its own', async () => {
  // Both accounts now have a Microsoft session in this browser: a renewal that named nobody, or took
  // whichever session answered, would hand the administrator the requestor's token.
  const server = servers.shortLived;
  await reset(server);
  const { context, page, seen, errors } = await open(server);
  await signIn(page, ADMIN);
  await page.selectOption('#input-path', 'requestor');
  await page.click('#run-all');
  await waitForSettled(page);
  const requestor = (await page.textContent('#other-accounts .other-upn')).trim();
  await signInRequestor(page, 'Requestor-Chose-2');
  // Both refresh tokens (4 s) have expired and the access tokens are within MSAL.js's renewal margin:
  // every token from here on comes through the hidden frame.
  await page.waitForTimeout(5_000);
  const before = seen.length;
  await page.click('#run-all');
  await waitForSettled(page);
  assert.deepEqual(await failedSteps(page), [], 'every step passed');
  const after = seen.slice(before);
  const frames = after.filter((r) => r.url.includes('/oauth2/v2.0/authorize') && /[?&]prompt=none/.test(r.url));
  assert.ok(frames.length >= 2, `renewals went through the hidden frame (${frames.length})`);
  for (const r of frames) assert.ok(new URL(r.url).searchParams.get('login_hint'), 'each renewal names its account');
  const graph = after.filter((r) => r.authorization && r.url.startsWith(`${GRAPH}/`));
  const theirs = graph.filter((r) => /filterByCurrentUser/.test(r.url) || (r.method === 'POST' && /\/assignmentRequests$/.test(r.url)));
  assert.ok(theirs.length >= 2, 'the requestor\'s requests were seen');
  for (const r of graph) {
    const expected = theirs.includes(r) ? requestor : ADMIN;
    assert.equal(upnOf(r.authorization).toLowerCase(), expected.toLowerCase(), `${r.method} ${r.url}`);
  }
  assert.equal(await page.textContent('#live-account'), ADMIN, 'the administrator is still the one signed in');
  await page.click('#clean-up');
  await page.waitForFunction(() => /has been removed/.test(document.querySelector('.cleanup-summary')?.textContent ?? ''), null, {
    timeout: RUN_TIMEOUT,
  });
  assert.deepEqual(await beyondSeed(server), [], 'cleanup removed everything the run created');
  // Reset: no step runs as that requestor any more, so their sign-in is forgotten in the tab (a new run's
  // requestor could be created under the same name).
  await page.click('#reset');
  await page.waitForFunction(() => !document.querySelector('#other-signed-in-requestor'), null, { timeout: 10_000 });
  await page.waitForFunction(
    (upn) => !JSON.stringify({ ...sessionStorage }).toLowerCase().includes(upn),
    requestor.toLowerCase(),
    { timeout: 10_000 },
  );
  assert.equal(await page.textContent('#live-account'), ADMIN, 'the administrator stays signed in');
  assert.deepEqual(errors, []);
  await context.close();
});
