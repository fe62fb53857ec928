// A static server for a built site and Debian's Chromium driven by playwright-core: used by the build (to
// capture the app's first render), the end-to-end tests and the benchmark.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

// Serves a directory on 127.0.0.1 with a free port, the way a static host would, under `base` (the site's
// public URL, `/` unless it was built for a sub-path). `headers` is added to every response. `files` maps
// paths to contents served before the directory's (a deployment's config.json, say).
export async function serveStatic(dir, { headers = {}, base = '/', files = {} } = {}) {
  const prefix = base.replace(/\/?$/, '/');
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      if (Object.hasOwn(files, path)) {
        res.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/html; charset=utf-8', ...headers });
        res.end(files[path]);
        return;
      }
      if (!`${path}/`.startsWith(prefix)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let file = normalize(join(dir, path.slice(prefix.length - 1)));
      if (!file.startsWith(dir)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...headers });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

// Where Chromium is: $CHROMIUM, or Debian's package. Never a downloaded browser.
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// `headless: false` shows the window (scripts/sandbox-browser.mjs). `args`: more Chromium switches.
export async function launchBrowser({ headless = true, args = [] } = {}) {
  return chromium.launch({
    executablePath: chromiumPath,
    headless,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
}
