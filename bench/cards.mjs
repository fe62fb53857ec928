// What laying out the step cards costs in a built site: a full run of the 18-step v1.0 tutorial, then opening
// and folding every card, with the browser's own layout and style figures (Chrome DevTools Protocol
// `Performance.getMetrics`). Run it on two builds (GRAPHWALK_DIST) to see what a CSS change to the cards buys.
//
//   node bench/cards.mjs                                  (the site in dist/)
//   GRAPHWALK_DIST=/tmp/other-dist BENCH_RUNS=8 node bench/cards.mjs
import { serveStatic, launchBrowser } from '../e2e/support.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const site = await serveStatic();
const browser = await launchBrowser();

// The browser's time spent on layout, style and scripts so far, in milliseconds.
async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { layout: m.LayoutDuration * 1000, style: m.RecalcStyleDuration * 1000, script: m.ScriptDuration * 1000 };
}
const minus = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - b[k]]));

// Clicks `selector` and resolves with the time to the second frame after (the change painted).
const timedClick = (page, selector) =>
  page.evaluate(
    (s) =>
      new Promise((resolve) => {
        const start = performance.now();
        document.querySelector(s).click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
      }),
    selector,
  );

const samples = [];
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${site.url}/?tutorial=access-package-v1&latency=0&delivery=100`);
  await page.waitForSelector('ol.steps:not([aria-busy]) > li.step');
  await page.evaluate(() => localStorage.clear());
  const before = await metrics(cdp);
  const run = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const start = performance.now();
        const done = () =>
          [...document.querySelectorAll('li.step:not(.off-path)')].every((c) => ['passed', 'failed'].includes(c.dataset.status));
        new MutationObserver((_, observer) => {
          if (done()) {
            observer.disconnect();
            resolve(performance.now() - start);
          }
        }).observe(document.querySelector('main'), { attributes: true, subtree: true, attributeFilter: ['data-status'] });
        document.querySelector('#run-all').click();
      }),
  );
  const during = minus(await metrics(cdp), before);
  const expand = await timedClick(page, '#expand-all');
  const collapse = await timedClick(page, '#collapse-all');
  samples.push({ run, ...during, expand, collapse });
  await context.close();
}
await browser.close();
await site.close();

const f = (k) => `${median(samples.map((s) => s[k])).toFixed(0)} ms (min ${Math.min(...samples.map((s) => s[k])).toFixed(0)}, max ${Math.max(...samples.map((s) => s[k])).toFixed(0)})`;
console.log(`access-package-v1, 1440×900, latency 0, delivery 100 ms; medians of ${RUNS} fresh pages`);
console.log(`Run all, click to every card settled: ${f('run')}`);
console.log(`  layout during it: ${f('layout')}; style: ${f('style')}; script: ${f('script')}`);
console.log(`Expand all, click to painted: ${f('expand')}`);
console.log(`Collapse all, click to painted: ${f('collapse')}`);
