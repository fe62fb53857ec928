// Captures the app's first render from a built site, as HTML, by loading it in headless Chromium: the app
// itself renders it, so the HTML is what the app's own first render will put in the page.
//
// What is captured is the DOM the first frame would paint: a MutationObserver's callback runs once the task
// that rendered has finished its microtasks, which is where Yew renders, and before anything else runs.
import { access } from 'node:fs/promises';
import { serveStatic, launchBrowser, chromiumPath } from './site-server.mjs';

export class NoBrowser extends Error {}

// Runs in the page, before it loads: puts the app's first render, as HTML, in `window.__firstRender`. Yew sets
// the state of form controls (checked, value) as properties, which HTML does not show: the copy carries them
// as attributes, so the HTML looks as the page did.
export function recordFirstRender() {
  new MutationObserver((_, observer) => {
    const app = document.querySelector('body > .app');
    if (!app || window.__firstRender) return;
    observer.disconnect();
    const copy = app.cloneNode(true);
    const controls = 'input, textarea, option';
    const copies = copy.querySelectorAll(controls);
    app.querySelectorAll(controls).forEach((control, i) => {
      const to = copies[i];
      if (control instanceof HTMLOptionElement) to.toggleAttribute('selected', control.selected);
      else if (control instanceof HTMLTextAreaElement) to.textContent = control.value;
      else if (control.type === 'checkbox' || control.type === 'radio') to.toggleAttribute('checked', control.checked);
      else if (control.type !== 'file' && control.type !== 'password') to.setAttribute('value', control.value);
    });
    window.__firstRender = copy.outerHTML;
  }).observe(document, { childList: true, subtree: true });
}

// `dir`: the built site (its index.html already final); `base`: the public URL it was built for.
// Resolves with the outer HTML of the app's root element for each layout the page can open in: the full page
// and the embedded layout, for each built-in tutorial.
//
// `first` is the page with no parameters: `{ html, keys }`, where `keys` name the addresses that render the
// same: `page:` (no tutorial named) and `page:<default tutorial>`. `variants` are the others, each
// `{ keys, html }`: `page:<tutorial>`, and `embed:<tutorial>` (with `embed:` for the default tutorial). The
// page's inline script works out the key of its own address (see index.html).
export async function captureFirstRenders(dir, base = '/') {
  try {
    await access(chromiumPath);
  } catch {
    throw new NoBrowser(`no Chromium at ${chromiumPath}`);
  }
  const site = await serveStatic(dir, { base });
  const browser = await launchBrowser();
  const root = `${site.url}${base.replace(/\/?$/, '/')}`;
  try {
    const first = await capture(browser, root);
    const [fallback] = first.tutorials;
    if (!fallback) throw new Error(`found no tutorials in the page's #tutorial-picker at ${root}`);
    const variants = [];
    for (const tutorial of first.tutorials) {
      const query = `tutorial=${encodeURIComponent(tutorial)}`;
      if (tutorial !== fallback) variants.push({ keys: [`page:${tutorial}`], html: (await capture(browser, `${root}?${query}`)).html });
      const keys = tutorial === fallback ? ['embed:', `embed:${tutorial}`] : [`embed:${tutorial}`];
      variants.push({ keys, html: (await capture(browser, `${root}?embed=1&${query}`)).html });
    }
    return { first: { html: first.html, keys: ['page:', `page:${fallback}`] }, variants };
  } finally {
    await browser.close();
    await site.close();
  }
}

// The app's first render at `url`, in a fresh context, and the built-in tutorials' ids (the default first).
async function capture(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    // The tenant's module is not part of the first render: it is asked for in the frame after it.
    await page.route(/\/page-sandbox-[0-9a-f]+\.js$/, () => {});
    await page.addInitScript(recordFirstRender);
    await page.goto(url);
    const html = await page
      .waitForFunction(() => window.__firstRender, null, { timeout: 30_000 })
      .then((handle) => handle.jsonValue())
      .catch(() => null);
    if (!html) throw new Error(`the app did not render ${url} within 30 s${errors.length ? `: ${errors.join('; ')}` : ''}`);
    const tutorials = await page.$$eval('#tutorial-picker option', (options) =>
      options.sort((a, b) => b.selected - a.selected).map((o) => o.value),
    );
    return { html, tutorials };
  } finally {
    await context.close();
  }
}
