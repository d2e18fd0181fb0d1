// Offline support: on install, cache every file of the build (listed in precache.json with a
// content hash as the cache name); then answer from the cache first, the network second.
const scope = new URL('./', self.location).href;
/** Content hash of the build, written by scripts/build.mjs; names the cache. */
const VERSION = '__PRECACHE_VERSION__';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const { files } = await (await fetch(`${scope}precache.json`, { cache: 'no-store' })).json();
    const cache = await caches.open(`palisade-${VERSION}`);
    await cache.addAll(['./', ...files].map((f) => new URL(f, scope).href));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== `palisade-${VERSION}`) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const url = new URL(event.request.url);
  url.hash = '';
  event.respondWith((async () => (await caches.match(url.href, { ignoreSearch: true })) ?? fetch(event.request))());
});
