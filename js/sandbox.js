// Loads the sandbox tenant's own WebAssembly module (crates/page-sandbox, built beside the app) and resolves
// with a new tenant: the one `saved` (a journal) describes, or a fresh one from `seed`.
// `url` is the module's JavaScript; its wasm sits beside it with the same name and `_bg.wasm`.
// Rejects with the browser's reason if the module cannot be loaded, or if it has not arrived in `LIMIT_MS`.
const LIMIT_MS = 30_000;

export async function openSandbox(url, saved, seed, deliveryMs) {
  let timer;
  const tooLong = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not arrive within ${LIMIT_MS / 1000} s`)), LIMIT_MS);
  });
  const load = (async () => {
    const module = await import(url);
    await module.default({ module_or_path: url.replace(/\.js$/, '_bg.wasm') });
    return new module.SandboxTenant(saved, seed, deliveryMs);
  })();
  try {
    return await Promise.race([load, tooLong]);
  } finally {
    clearTimeout(timer);
  }
}
