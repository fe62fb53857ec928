// The embed layout talks only to the origin named in its address: a parent on another origin hears nothing,
// and a focus-step message from another origin is ignored while the same message from the named one is obeyed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveStatic, launchBrowser, openPage, dist, artifacts } from './support.mjs';

let site;
let docs;
let evil;
let browser;

before(async () => {
  site = await serveStatic(process.env.GRAPHWALK_DIST ?? dist);
  // Two more origins (other ports), standing for the docs page that embeds the app and for anyone else.
  docs = await serveStatic(artifacts);
  evil = await serveStatic(artifacts);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all([site?.close(), docs?.close(), evil?.close()]);
});

const appUrl = (origin) =>
  `${site.url}/?embed=1&tutorial=access-package-v1&latency=0${origin ? `&origin=${encodeURIComponent(origin)}` : ''}`;

/// Opens `parentUrl`, records every message it receives, and embeds the app with `appSrc`.
async function embedIn(parentUrl, appSrc) {
  const opened = await openPage(browser, parentUrl);
  await opened.page.evaluate((src) => {
    window.received = [];
    window.addEventListener('message', (e) => window.received.push({ origin: e.origin, data: e.data }));
    const frame = document.createElement('iframe');
    frame.id = 'app';
    frame.src = src;
    frame.style.width = '600px';
    document.body.appendChild(frame);
  }, appSrc);
  const frame = await (await opened.page.waitForSelector('iframe#app')).contentFrame();
  await frame.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  return { ...opened, frame };
}

/// Makes the app's height change, then waits until a marker posted by the app's frame after that has arrived:
/// messages from one frame arrive in order, so anything the app posted is in `received` by then.
async function changeHeightAndDrain(page, frame) {
  await frame.evaluate(() => {
    document.body.appendChild(document.createElement('div')).style.height = '900px';
  });
  await frame.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))).then(() => true));
  await frame.evaluate(() => parent.postMessage({ type: 'marker' }, '*'));
  await page.waitForFunction(() => window.received.some((m) => m.data?.type === 'marker'));
  return page.evaluate(() => window.received.filter((m) => m.data?.type !== 'marker'));
}

test('the named origin receives the height; a parent on another origin receives nothing', async (t) => {
  const named = await embedIn(`${docs.url}/none`, appUrl(docs.url));
  const toNamed = await changeHeightAndDrain(named.page, named.frame);
  assert.ok(toNamed.length > 0 && toNamed.every((m) => m.origin === site.url && m.data.type === 'graphwalk:height'));
  await named.context.close();

  // The app is told the docs origin, but is embedded by a page on another origin.
  const other = await embedIn(`${evil.url}/none`, appUrl(docs.url));
  const toOther = await changeHeightAndDrain(other.page, other.frame);
  assert.deepEqual(toOther, [], 'a parent on an origin other than the named one receives nothing');
  await other.context.close();

  // Without an origin (or with one that is not a plain origin) the app posts nothing at all.
  let unnamedReceived = 0;
  for (const origin of [null, '*', `${docs.url}/path`]) {
    const unnamed = await embedIn(`${docs.url}/none`, appUrl(origin));
    unnamedReceived += (await changeHeightAndDrain(unnamed.page, unnamed.frame)).length;
    await unnamed.context.close();
  }
  assert.equal(unnamedReceived, 0);
  t.diagnostic(`embed: height messages to the named origin ${toNamed.length}, to other origins ${toOther.length + unnamedReceived}`);
});

test('a focus-step message from another origin is ignored; from the named origin it is obeyed', async (t) => {
  const { page, frame, context } = await embedIn(`${docs.url}/none`, appUrl(docs.url));
  await frame.evaluate(() => {
    window.focused = [];
    document.addEventListener('focusin', (e) => window.focused.push(e.target.id));
  });
  // A frame from another origin on the same docs page tries to steer the app.
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.id = 'intruder';
    frame.src = src;
    document.body.appendChild(frame);
  }, `${evil.url}/none`);
  const intruder = await (await page.waitForSelector('iframe#intruder')).contentFrame();
  await intruder.waitForLoadState();
  const forged = [4, '4', 'request'];
  for (const step of forged) {
    await intruder.evaluate((step) => parent.frames[0].postMessage({ type: 'graphwalk:focus-step', step }, '*'), step);
  }
  // Then the docs page itself asks for step 6; messages are handled in the order they were posted.
  await page.evaluate(
    (origin) => document.querySelector('iframe#app').contentWindow.postMessage({ type: 'graphwalk:focus-step', step: 6 }, origin),
    site.url,
  );
  await frame.waitForFunction(() => document.activeElement?.id === 'step-6');
  const focused = await frame.evaluate(() => window.focused);
  // What each message moved focus to: the named origin's to step 6, anything else to a forged one.
  const obeyedForged = focused.filter((id) => id !== 'step-6');
  const obeyedNamed = focused.includes('step-6') ? 1 : 0;
  t.diagnostic(`embed: forged focus-step messages ${forged.length}, obeyed ${obeyedForged.length}; from the named origin obeyed ${obeyedNamed}`);
  assert.deepEqual(obeyedForged, [], 'nothing else was focused');
  await context.close();
});
