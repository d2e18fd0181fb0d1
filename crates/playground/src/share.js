// Share links: the whole state (inputs, selected policies, settings, options) as JSON,
// compressed with deflate-raw and base64url-encoded into the URL fragment (`#s=...`), so a link
// reproduces the result with no server.

const PREFIX = 's=';

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** `#s=<base64url(deflate-raw(JSON))>` for a state object. */
export async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return `#${PREFIX}${toBase64Url(await pipe(json, new CompressionStream('deflate-raw')))}`;
}

/** The state in a fragment made by `encodeState`, or null when there is none. Throws on a corrupt one. */
export async function decodeState(hash) {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!fragment.startsWith(PREFIX)) return null;
  const bytes = await pipe(fromBase64Url(fragment.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
  return JSON.parse(new TextDecoder().decode(bytes));
}
