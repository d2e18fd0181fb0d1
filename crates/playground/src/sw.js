// Offline support: on install, cache every file of the build (listed in precache.json with a
// content hash as the cache name); then answer from the cache first, the network second.
const scope = new URL('./', self.location).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const { version, files } = await (await fetch(`${scope}precache.json`, { cache: 'no-store' })).json();
    const cache = await caches.open(`palisade-${version}`);
    await cache.addAll(['./', ...files].map((f) => new URL(f, scope).href));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const { version } = await (await caches.match(`${scope}precache.json`) ?? fetch(`${scope}precache.json`)).json();
    for (const key of await caches.keys()) if (key !== `palisade-${version}`) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const url = new URL(event.request.url);
  url.hash = '';
  event.respondWith((async () => (await caches.match(url.href, { ignoreSearch: true })) ?? fetch(event.request))());
});
