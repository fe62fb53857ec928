// Trunk post_build hook: puts MSAL.js (from node_modules) into the built site, fills in the
// Content-Security-Policy of index.html with the hashes of the inline scripts Trunk wrote, and, in a release
// build, puts the app's first renders into index.html as HTML.
//
// Runs on the staging directory, after Trunk has written the final index.html and before it becomes dist/.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
const source = process.env.TRUNK_SOURCE_DIR ?? process.cwd();
if (!staging) {
  console.error('site-finish: TRUNK_STAGING_DIR is not set; run this through `trunk build`.');
  process.exit(1);
}

// MSAL.js is served from our own origin and never committed: copy the pinned npm files.
const msal = join(source, 'node_modules', '@azure', 'msal-browser', 'lib');
const vendor = join(staging, 'vendor', 'msal');
await mkdir(vendor, { recursive: true });
for (const file of ['msal-browser.min.js', 'redirect-bridge/msal-redirect-bridge.min.js', 'popup-relay/msal-popup-relay.min.js']) {
  const from = join(msal, file);
  try {
    await copyFile(from, join(vendor, file.split('/').pop()));
  } catch (e) {
    console.error(`site-finish: cannot copy ${from} (${e.code}). Run \`npm ci\` (make setup) first.`);
    process.exit(1);
  }
}

const indexPath = join(staging, 'index.html');
let html = await readFile(indexPath, 'utf8');

// The sandbox tenant's module (crates/page-sandbox): Trunk names it without a hash, as it does every module
// it does not load itself. Give it a content hash, so a cached copy never outlives the app it belongs to, and
// name it in a <meta> that the app reads when it loads the tenant after its first paint.
const sandboxJs = await readFile(join(staging, 'page-sandbox.js'), 'utf8').catch(() => null);
if (sandboxJs === null) {
  console.error('site-finish: page-sandbox.js is missing; index.html must build crates/page-sandbox.');
  process.exit(1);
}
const sandboxWasm = await readFile(join(staging, 'page-sandbox_bg.wasm'));
const sandboxHash = createHash('sha256').update(sandboxJs).update(sandboxWasm).digest('hex').slice(0, 16);
const sandboxName = `page-sandbox-${sandboxHash}`;
await writeFile(join(staging, `${sandboxName}.js`), sandboxJs.replaceAll('page-sandbox_bg.wasm', `${sandboxName}_bg.wasm`));
await rename(join(staging, 'page-sandbox_bg.wasm'), join(staging, `${sandboxName}_bg.wasm`));
await unlink(join(staging, 'page-sandbox.js'));
const publicUrl = (process.env.TRUNK_PUBLIC_URL ?? '/').replace(/\/?$/, '/');
if (!html.includes('</head>')) {
  console.error('site-finish: index.html has no </head> to put the sandbox module\'s name before.');
  process.exit(1);
}
html = html.replace('</head>', `<meta name="graphwalk-sandbox" content="${publicUrl}${sandboxName}.js"></head>`);

// Inline scripts (Trunk's loader, and its live-reload script under `trunk serve`) are allowed by hash only.
const hashes = [];
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (/\bsrc\s*=/.test(match[1])) continue;
  hashes.push(`'sha256-${createHash('sha256').update(match[2], 'utf8').digest('base64')}'`);
}
// Live reload under `trunk serve` talks to its own server over a WebSocket.
const devSockets = process.env.TRUNK_PROFILE === 'release' ? '' : ' ws://127.0.0.1:* ws://localhost:*';
// A hosted deployment whose Graph base URL is elsewhere adds it here: GRAPHWALK_CONNECT_SRC="https://graph.example".
const extra = (process.env.GRAPHWALK_CONNECT_SRC ?? '').trim();
const placeholder = /'inline-scripts'/;
const connect = /__CONNECT_EXTRA__/;
if (!placeholder.test(html) || !connect.test(html)) {
  console.error("site-finish: index.html's Content-Security-Policy has no 'inline-scripts' or __CONNECT_EXTRA__ to fill in.");
  process.exit(1);
}
// A national cloud's Graph signs in at its own host: MSAL.js's hidden frames, its popup (whose first page
// inherits this policy) and its token requests need that host too. GRAPHWALK_LOGIN_SRC adds others.
const nationalLogins = {
  'https://graph.microsoft.us': ['https://login.microsoftonline.us'],
  'https://dod-graph.microsoft.us': ['https://login.microsoftonline.us'],
  'https://microsoftgraph.chinacloudapi.cn': ['https://login.chinacloudapi.cn', 'https://login.partner.microsoftonline.cn'],
};
const logins = [
  ...new Set([
    ...extra.split(/\s+/).flatMap((origin) => nationalLogins[origin.replace(/\/$/, '')] ?? []),
    ...(process.env.GRAPHWALK_LOGIN_SRC ?? '').trim().split(/\s+/).filter(Boolean),
  ]),
].join(' ');
const loginPlaceholder = / ?__LOGIN_EXTRA__/g;
if (!html.includes('__LOGIN_EXTRA__')) {
  console.error("site-finish: index.html's Content-Security-Policy has no __LOGIN_EXTRA__ to fill in.");
  process.exit(1);
}
html = html
  .replace(placeholder, hashes.join(' '))
  .replace(connect, `${extra ? ` ${extra}` : ''}${logins ? ` ${logins}` : ''}${devSockets}`.trim())
  .replace(loginPlaceholder, logins ? ` ${logins}` : '');
await writeFile(indexPath, html);
console.log(`site-finish: MSAL.js copied, sandbox module named ${sandboxName}, ${hashes.length} inline script hash(es) in the Content-Security-Policy`);

// The app's first renders, captured from the finished site in headless Chromium, go where index.html marks:
// the default page's in #first-render, the other tutorials' and the embedded layout's in templates. The page
// shows the one for its address, inert, until the app starts (see index.html). Only release builds carry them: under
// `trunk serve` it would cost a browser start on every rebuild. GRAPHWALK_FIRST_RENDER=0 leaves it out.
const marker = '<!-- graphwalk:first-render -->';
if (process.env.TRUNK_PROFILE === 'release' && process.env.GRAPHWALK_FIRST_RENDER !== '0') {
  if (!html.includes(marker)) {
    console.error(`site-finish: index.html has no ${marker} to put the first render at.`);
    process.exit(1);
  }
  // Loaded only here: it needs playwright-core, which a debug build does not.
  const { captureFirstRenders, NoBrowser } = await import('./first-render.mjs').catch((e) => {
    console.error(`site-finish: cannot load the first-render capture (${e.code ?? e.message}). Run \`npm ci\` (make setup) first.`);
    process.exit(1);
  });
  try {
    const { first, variants } = await captureFirstRenders(staging, publicUrl);
    const keys = (list) => list.join(' ').replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    const carried = [
      `<div id="first-render" inert data-first-render="${keys(first.keys)}">${first.html}</div>`,
      ...variants.map((v) => `<template data-first-render="${keys(v.keys)}">${v.html}</template>`),
    ].join('\n');
    html = html.replace(marker, carried);
    await writeFile(indexPath, html);
    const kb = (text) => `${(text.length / 1024).toFixed(1)} KB`;
    console.log(`site-finish: the app's first render is in index.html (${kb(first.html)}), and ${variants.length} more in templates (${kb(variants.map((v) => v.html).join(''))})`);
  } catch (error) {
    if (!(error instanceof NoBrowser)) {
      console.error(`site-finish: could not capture the app's first render: ${error.message}`);
      console.error('What to do: run the built site (make serve) and look at the browser console, or build with GRAPHWALK_FIRST_RENDER=0.');
      process.exit(1);
    }
    // The site works without it: the page shows its loading line until the app starts.
    console.warn(`site-finish: ${error.message}, so the site is built without its first render as HTML; run make setup (or set CHROMIUM) to include it.`);
  }
}
