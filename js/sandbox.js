// Loads the sandbox tenant's own WebAssembly module (crates/page-sandbox, built beside the app) and resolves
// with a new tenant: the one `saved` (a journal) describes, or a fresh one from `seed`.
// `url` is the module's JavaScript; its wasm sits beside it with the same name and `_bg.wasm`.
export async function openSandbox(url, saved, seed, deliveryMs) {
  const module = await import(url);
  await module.default({ module_or_path: url.replace(/\.js$/, '_bg.wasm') });
  return new module.SandboxTenant(saved, seed, deliveryMs);
}
