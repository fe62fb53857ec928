// Opens graphwalk in a Chromium window whose https://login.microsoftonline.com and https://graph.microsoft.com
// are a local graphwalk-sandbox, so live mode signs in through the real MSAL.js and the sandbox's emulated
// Microsoft sign-in, with no tenant and no app registration. Needs a desktop (the window is visible).
//
//   cargo run -p sandbox-server -- --port 8787     # the tenant and its sign-in
//   make serve                                      # the app at http://127.0.0.1:8080
//   node scripts/sandbox-browser.mjs [--sandbox http://127.0.0.1:8787] [--app http://127.0.0.1:8080/]
//
// The app is opened with the sandbox's default client id (graphwalk-sandbox --client-id changes it); sign in
// as admin@graphwalk-sandbox.onmicrosoft.com (or least-privilege-admin@…, member@…) with Sandbox-Passw0rd!.
import { launchBrowser } from './site-server.mjs';
import { routeMicrosoft } from './microsoft-hosts.mjs';

const DEFAULT_CLIENT_ID = '8f4e2f6a-1c3b-4d5e-9f70-6a1b2c3d4e5f';
const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
};
const sandbox = option('--sandbox', 'http://127.0.0.1:8787').replace(/\/$/, '');
const app = option('--app', 'http://127.0.0.1:8080/');
const clientId = option('--client-id', DEFAULT_CLIENT_ID);

const state = await fetch(`${sandbox}/_sandbox/state`).catch(() => null);
if (!state?.ok) {
  console.error(`No graphwalk-sandbox answers at ${sandbox}. Start it with: cargo run -p sandbox-server -- --port 8787`);
  process.exit(1);
}
const browser = await launchBrowser({ headless: false });
const context = await browser.newContext({ viewport: null });
await routeMicrosoft(context, sandbox);
const page = await context.newPage();
const url = new URL(app);
url.searchParams.set('mode', 'live');
url.searchParams.set('client_id', clientId);
await page.goto(url.href);
console.log(`Opened ${url.href}; Microsoft's hosts answer from ${sandbox}. Close the window to stop.`);
await new Promise((resolve) => browser.on('disconnected', resolve));
