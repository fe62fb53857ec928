// One HTTP request from the browser for the live transport: `fetch` with the given method, headers and body.
// Resolves with { status, headers: [[name, value]...], body } (body as UTF-8 bytes: copying bytes into wasm
// is far cheaper than encoding a multi-megabyte string), or rejects with the browser's reason when no
// response came back (offline, DNS, refused connection, or a CORS refusal, which browsers do not tell apart).
export async function sendRequest(method, url, headers, body) {
  const init = { method, headers, credentials: 'omit', cache: 'no-store', redirect: 'follow' };
  if (body !== undefined && body !== null) init.body = body;
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new Error((e && e.message) || String(e));
  }
  const pairs = [];
  response.headers.forEach((value, name) => pairs.push([name, value]));
  return { status: response.status, headers: pairs, body: new Uint8Array(await response.arrayBuffer()) };
}
