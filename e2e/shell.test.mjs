// The served release build loads, renders its shell, and logs no errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic, launchBrowser, openPage, artifacts } from './support.mjs';

let site;
let browser;

before(async () => {
  site = await serveStatic();
  browser = await launchBrowser();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('the release build renders the app with no console errors', async () => {
  const { page, context, errors } = await openPage(browser, site.url + '/');
  await page.waitForSelector('body > .app header.app-header h1');
  assert.equal(await page.title(), 'graphwalk');
  assert.equal(await page.textContent('header.app-header h1'), 'graphwalk');
  assert.ok(await page.isVisible('main#tutorial'), 'the tutorial area is shown');
  assert.equal(await page.$('#boot'), null, 'the loading line is gone once the app has started');
  await page.screenshot({ path: join(artifacts, 'shell.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('with scripts off the page says what it needs instead of staying blank', async () => {
  const { page, context } = await openPage(browser, site.url + '/', { javaScriptEnabled: false });
  const text = await page.textContent('body');
  assert.match(text, /needs JavaScript and WebAssembly/);
  await context.close();
});

test('the shell fits a phone-width screen without sideways scrolling', async () => {
  const { page, context, errors } = await openPage(browser, site.url + '/', {
    viewport: { width: 375, height: 740 },
  });
  await page.waitForSelector('body > .app header.app-header h1');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dark color scheme changes the page background', async () => {
  const background = async (colorScheme) => {
    const { page, context } = await openPage(browser, site.url + '/', { colorScheme });
    await page.waitForSelector('body > .app header.app-header h1');
    const value = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await context.close();
    return value;
  };
  assert.notEqual(await background('light'), await background('dark'));
});
