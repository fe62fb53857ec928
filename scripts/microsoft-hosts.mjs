// Microsoft's sign-in and Graph hosts answered by a local graphwalk-sandbox, for every page, popup and frame
// of a Playwright browser context: the app and MSAL.js talk to https://login.microsoftonline.com and
// https://graph.microsoft.com as in production and never learn otherwise. Used by the end-to-end tests and
// by scripts/sandbox-browser.mjs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const LOGIN = 'https://login.microsoftonline.com';
export const GRAPH = 'https://graph.microsoft.com';
const ROUTED = /^https:\/\/(login\.microsoftonline\.com|graph\.microsoft\.com)\//;

// Starts graphwalk-sandbox (target/debug unless `binary` says otherwise) on a free port with `flags`.
// Resolves with { url, child, stop() } once it listens.
export async function startSandbox(root, flags = [], binary = join(root, 'target', 'debug', 'graphwalk-sandbox')) {
  const child = spawn(binary, ['--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${binary} did not start: ${out}`)), 15_000);
    child.on('error', (e) => reject(new Error(`cannot run ${binary} (build it with: cargo build -p sandbox-server): ${e.message}`)));
    child.on('exit', (code) => reject(new Error(`${binary} exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, child, stop: () => child.kill() };
}

// One Set-Cookie header as a Playwright cookie for `origin` (the host it claims to come from).
function cookieOf(header, origin) {
  const [pair, ...attributes] = header.split(';').map((p) => p.trim());
  const at = pair.indexOf('=');
  const cookie = {
    name: pair.slice(0, at),
    value: pair.slice(at + 1),
    domain: new URL(origin).hostname,
    path: '/',
    secure: true,
    httpOnly: false,
    sameSite: 'None',
  };
  let remove = false;
  for (const attribute of attributes) {
    const [key, value] = attribute.split('=');
    const name = key.toLowerCase();
    if (name === 'httponly') cookie.httpOnly = true;
    if (name === 'path') cookie.path = value;
    if (name === 'max-age' && Number(value) <= 0) remove = true;
  }
  return { cookie, remove };
}

// Routes Microsoft's hosts to `sandboxUrl` for `context`. Cookies the sign-in pages set are kept in the
// context's jar under Microsoft's host and sent back to them, as a browser would. `seen`, when given,
// receives { url, method, authorization, frame, status } for every routed request.
export async function routeMicrosoft(context, sandboxUrl, seen = null) {
  await context.route(ROUTED, (route, request) =>
    answer(context, sandboxUrl, seen, route, request).catch(() => {
      // The page or context closed while the answer was on its way: nobody is waiting for it.
    }),
  );
}

// Forwards one request to the sandbox and answers the browser with the sandbox's response.
async function answer(context, sandboxUrl, seen, route, request) {
  const url = new URL(request.url());
  const outgoing = {};
  for (const [name, value] of Object.entries(await request.allHeaders())) {
    if (!name.startsWith(':') && name !== 'cookie' && name !== 'host') outgoing[name] = value;
  }
  const cookies = await context.cookies(url.origin);
  if (cookies.length) outgoing.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  let frame = 'top';
  try {
    if (request.frame().parentFrame()) frame = 'frame';
  } catch {
    // A request with no frame (a service worker's): counted as top-level.
  }
  const entry = { url: request.url(), method: request.method(), authorization: outgoing.authorization ?? null, frame, status: 0 };
  seen?.push(entry);
  let response;
  try {
    response = await route.fetch({ url: `${sandboxUrl}${url.pathname}${url.search}`, headers: outgoing, maxRedirects: 0 });
  } catch {
    await route.abort('connectionrefused');
    return;
  }
  entry.status = response.status();
  const incoming = {};
  for (const { name, value } of response.headersArray()) {
    if (name.toLowerCase() === 'set-cookie') {
      const { cookie, remove } = cookieOf(value, url.origin);
      if (remove) await context.clearCookies({ name: cookie.name, domain: cookie.domain });
      else await context.addCookies([cookie]);
    } else {
      incoming[name] = value;
    }
  }
  await route.fulfill({ status: response.status(), headers: incoming, body: await response.body() });
}
