// A release build carries the app's first render as HTML (scripts/first-render.mjs), so the first cards paint
// before the wasm has loaded. It is inert, the app replaces it when it starts, and it is shown only where the
// app's own first render would look the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servedSite, openPage, dist, artifacts } from './support.mjs';
import { recordFirstRender } from '../scripts/first-render.mjs';

const served = servedSite();
const APP_WASM = /\/graphwalk-[0-9a-f]+_bg\.wasm$/;

// A page whose app wasm is held back until `release()` is called (never, if it is not).
async function open(url, { before } = {}) {
  const context = await served.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route(APP_WASM, async (route) => {
    await held;
    await route.continue();
  });
  if (before) await before(page);
  await page.goto(url);
  return { page, context, errors, release };
}

// The HTML the build put into index.html, as the browser's parser reads it back.
async function carried(page) {
  return page.evaluate(() => document.querySelector('#first-render > .app')?.outerHTML ?? null);
}

test('index.html carries the first cards, painted and inert before the wasm has loaded', async () => {
  const index = await readFile(join(dist, 'index.html'), 'utf8');
  assert.match(index, /<div id="first-render" inert data-first-render="page: page:access-package-beta">/, 'the release build put the first render in');
  for (const keys of ['page:access-package-v1', 'embed: embed:access-package-beta', 'embed:access-package-v1']) {
    assert.ok(index.includes(`<template data-first-render="${keys}">`), `and a template for ${keys}`);
  }

  const { page, context, errors } = await open(`${served.site.url}/`);
  await page.waitForSelector('#first-render li.step');
  assert.equal(await page.$('body > .app'), null, 'the app has not started: its wasm is held back');
  const cards = await page.$$eval('#first-render li.step', (lis) =>
    lis.map((li) => ({ id: li.id, title: li.querySelector('h3')?.textContent, visible: li.checkVisibility() })),
  );
  assert.ok(cards.length >= 1, 'at least the first card');
  assert.equal(cards[0].id, 'step-1');
  assert.ok(cards.every((c) => c.visible && c.title), `visible cards with titles: ${JSON.stringify(cards)}`);
  assert.ok(await page.isVisible('#first-render .app-header h1'), 'the header is there too');
  assert.equal(await page.getAttribute('#first-render', 'inert'), '', 'its buttons cannot be used before the app');
  assert.ok(await page.isVisible('#boot'), 'the loading line still says the app is on its way');
  assert.equal(await page.$$eval('template', (t) => t.length), 0, 'the templates of the other first renders are gone');
  // Inert: its controls take no focus (and no clicks) until the app's own are there.
  const focused = await page.evaluate(() => {
    const button = document.querySelector('#first-render li.step button.run-step');
    button.focus();
    return document.activeElement === button;
  });
  assert.equal(focused, false, 'a carried button cannot be focused');
  assert.deepEqual(errors, []);
  await context.close();
});

// The run's tag is made up anew by every page load: the carried one is the build's.
async function runTag(page, scope) {
  return page.textContent(`${scope} tr[data-var="run.tag"] .var-value`);
}

test('the app replaces it when it starts, with a first render of its own that is the same HTML', async () => {
  const { page, context, errors, release } = await open(`${served.site.url}/`, {
    before: (page) =>
      page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.querySelector('body > .app')) {
            window.__carriedStill = !!document.getElementById('first-render');
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      }).then(() => page.addInitScript(recordFirstRender)),
  });
  await page.waitForSelector('#first-render li.step');
  const html = await carried(page);
  const carriedTag = await runTag(page, '#first-render');
  release();
  const own = await (await page.waitForFunction(() => window.__firstRender)).jsonValue();
  assert.equal(await page.evaluate(() => window.__carriedStill), false, 'the carried render is gone once the app has rendered');
  const tag = await runTag(page, 'body > .app');
  assert.match(tag, /^[a-z0-9]{4,}$/);
  assert.notEqual(carriedTag, tag, 'each load makes its own run tag');
  assert.equal(html.replaceAll(carriedTag, tag), own, 'the carried HTML is what the app renders first, but for the run tag');
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  assert.equal(await page.$$eval('ol.steps', (lists) => lists.length), 1, "one list of steps, the app's");
  assert.equal(await page.$('#boot'), null);
  assert.deepEqual(errors, []);
  await context.close();
});

// How many pixels of two same-sized PNG screenshots differ by more than `by` in some colour channel (the
// browser's raster leaves a few anti-aliased edge pixels a unit or two apart from one paint to the next).
async function pixelsApart(a, b, by = 48) {
  const page = await served.browser.newPage();
  try {
    return await page.evaluate(
      async ([a, b, by]) => {
        const pixels = async (base64) => {
          const image = new Image();
          image.src = `data:image/png;base64,${base64}`;
          await image.decode();
          const canvas = new OffscreenCanvas(image.width, image.height);
          const context = canvas.getContext('2d');
          context.drawImage(image, 0, 0);
          return { width: image.width, height: image.height, data: context.getImageData(0, 0, image.width, image.height).data };
        };
        const [x, y] = [await pixels(a), await pixels(b)];
        if (x.width !== y.width || x.height !== y.height) return Infinity;
        let apart = 0;
        for (let i = 0; i < x.data.length; i += 4) {
          if ([0, 1, 2, 3].some((c) => Math.abs(x.data[i + c] - y.data[i + c]) > by)) apart++;
        }
        return apart;
      },
      [a.toString('base64'), b.toString('base64'), by],
    );
  } finally {
    await page.close();
  }
}

test("the carried first card and header look the same as the app's", async () => {
  const shot = async (release) => {
    const { page, context, release: go } = await open(`${served.site.url}/`);
    await page.setViewportSize({ width: 1200, height: 900 });
    if (release) {
      go();
      await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
    } else {
      await page.waitForSelector('#first-render li.step');
    }
    const card = await page.locator('li.step >> nth=0').screenshot();
    const header = await page.locator('header.app-header >> nth=0').screenshot();
    await context.close();
    return { card, header };
  };
  const carried = await shot(false);
  const app = await shot(true);
  const apart = { card: await pixelsApart(carried.card, app.card), header: await pixelsApart(carried.header, app.header) };
  if (apart.card || apart.header) {
    await mkdir(artifacts, { recursive: true });
    for (const [name, png] of Object.entries({ carried, app })) {
      await writeFile(join(artifacts, `first-render-card-${name}.png`), png.card);
      await writeFile(join(artifacts, `first-render-header-${name}.png`), png.header);
    }
  }
  assert.equal(apart.card, 0, 'no pixel of the first card differs visibly (screenshots in e2e/artifacts)');
  assert.equal(apart.header, 0, 'no pixel of the header differs visibly (screenshots in e2e/artifacts)');
});

// Loads `url` with the app held back, reads the carried render, then lets the app start and returns both
// first renders (the run tag made the same) and whether the carried one was shown.
async function bothRenders(url, before) {
  const { page, context, errors, release } = await open(url, {
    before: async (page) => {
      if (before) await before(page);
      await page.addInitScript(recordFirstRender);
    },
  });
  await page.waitForSelector('#first-render li.step', { state: 'attached' });
  const shown = await page.isVisible('#first-render');
  const html = await carried(page);
  const carriedTag = await runTag(page, '#first-render');
  release();
  const own = await (await page.waitForFunction(() => window.__firstRender)).jsonValue();
  const tag = await runTag(page, 'body > .app');
  await context.close();
  return { shown, carried: html.replaceAll(carriedTag, tag), own, tag, errors };
}

// A run as the app itself saves it: step 1 run in a page of its own, then read back from that page's storage.
async function runSavedByTheApp() {
  const { page, context } = await openPage(served.browser, `${served.site.url}/?latency=0&delivery=50`);
  await page.click('#step-1 button.run-step');
  const saved = await page.waitForFunction(
    () => document.querySelector('#step-1')?.dataset.status === 'passed' && localStorage.getItem('graphwalk.run'),
    null,
    { timeout: 30_000 },
  );
  const value = await saved.jsonValue();
  await context.close();
  return value;
}

test('it is shown only where the app renders the same first: each tutorial, in the page and embedded', async () => {
  const saved = (key, value) => (page) => page.addInitScript(([k, v]) => localStorage.setItem(k, v), [key, value]);
  const run = await runSavedByTheApp();
  // Parameters that leave the first render as it is, and those that pick one of the carried ones: the other
  // tutorial, the embedded layout (as embed.js opens it, with the README's example), an explicit sandbox mode.
  const embedded = `?embed=1&origin=${encodeURIComponent('https://docs.example.com')}&tutorial=access-package-v1&step=3&mode=sandbox`;
  const shown = [
    ['?step=3'],
    ['?seed=7'],
    ['?throttle=0.2&unavailable=10&lag=400'],
    ['?delivery=100'],
    ['?tutorial=access-package-beta'],
    ['?tutorial=access-package-v1'],
    ['?embed=1'],
    ['?embed=1&tutorial=access-package-beta'],
    [embedded],
    ['?mode=sandbox', saved('graphwalk.mode', 'live')],
  ];
  const owns = new Set();
  for (const [query, before] of shown) {
    const renders = await bothRenders(`${served.site.url}/${query}`, before);
    const what = `${query}${before ? ' (with live mode saved)' : ''}`;
    assert.ok(renders.shown, `shown for ${what}`);
    assert.equal(renders.carried, renders.own, `the same first render for ${what}`);
    assert.deepEqual(renders.errors, []);
    owns.add(renders.own.replaceAll(renders.tag, 'TAG'));
  }
  assert.equal(owns.size, 4, 'four different first renders among them: each tutorial, in the page and embedded');
  // What makes the app render something else first: it is not shown, and the loading line is.
  const cases = [
    ['?mode=live'],
    ['?embed=1&mode=live'],
    ['?src=tutorial.md'],
    ['?latency=0'],
    ['?tutorial=no-such-tutorial'],
    ['', saved('graphwalk.mode', 'live')],
    ['', saved('graphwalk.run', run)],
    ['?embed=1', saved('graphwalk.run', run)],
  ];
  for (const [query, before] of cases) {
    const { page, context } = await open(`${served.site.url}/${query}`, { before });
    await page.waitForSelector('#boot');
    const what = query || 'a saved run or mode';
    assert.equal(await page.isVisible('#first-render'), false, `hidden for ${what}`);
    assert.ok(await page.isVisible('#boot'), `the loading line is shown for ${what}`);
    await context.close();
  }
  // And the latency parameter does change the first render (the sandbox panel says it), so it must hide it.
  const latency = await bothRenders(`${served.site.url}/?latency=0`);
  assert.notEqual(latency.carried, latency.own);
});
