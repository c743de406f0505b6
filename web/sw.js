// The service worker: after the first visit the page and Python come from this cache, so a
// repeat visit fetches almost nothing and the app works offline. The build versions the cache with
// a hash of the site, so each deploy gets a fresh one.
// This site's caches, one per deploy (as offline-copies.js names them): the build stamps the prefix and
// the deploy's version; the site's folder keeps two sites on one origin apart.
const SITE_CACHES = "BUILD_CACHE_PREFIX" + new URL("./", self.location.href).pathname;
const CACHE = SITE_CACHES + "BUILD_VERSION";
// Filled in by the build: the page's own files. Everything else is cached when first fetched: here,
// or, on a first visit (this worker does not control the page yet), by Python's worker itself
// (offline-copies.js), which keeps a copy of every file it fetches in this cache.
const PRECACHE = /* BUILD_PRECACHE */ [];
// Filled in by the build: every other file, as {path: [sha256, whether Python needs it to start]}.
const LATER_FILES = /* BUILD_LATER_FILES */ {};

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE);
      // The first one takes over at once. A new deploy's waits until no page of the old one is open,
      // or until the page's "Reload" asks it (below): an open page never loses its cache mid-visit.
      if (!self.registration.active) self.skipWaiting();
      else await keepFromLastDeploy(cache);
    })(),
  );
});

// A new deploy: the last one's files that did not change are copied (no download), and those Python
// starts with are fetched if they changed, so that it starts offline as soon as this deploy takes over.
async function keepFromLastDeploy(cache) {
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const ours = (await caches.keys()).filter((name) => name.startsWith(SITE_CACHES) && name !== CACHE);
  for (const [path, [sha256, start]] of Object.entries(LATER_FILES)) {
    const url = new URL(path, self.location.href).href;
    let kept = false;
    for (const name of ours) {
      const old = await (await caches.open(name)).match(url);
      if (old && hex(await crypto.subtle.digest("SHA-256", await old.clone().arrayBuffer())) === sha256) {
        await cache.put(url, old);
        kept = true;
        break;
      }
    }
    if (!kept && start) await cache.add(url);
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(SITE_CACHES) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// Cache first (a HEAD request is answered from the cached GET), then the network (whose answer is kept for next time): wheels, data and the
// model are cached the first time the page asks for them.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const method = request.method;
  if ((method !== "GET" && method !== "HEAD") || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(request, { ignoreSearch: true, ignoreMethod: true });
      if (cached) return cached;
      const response = await fetch(request);
      if (method === "GET" && response.ok && response.type === "basic") {
        event.waitUntil(cache.put(request, response.clone()).catch(() => {})); // (storage full: not kept)
      }
      return response;
    })(),
  );
});

// The page's "Reload" for a new deploy (sw-register.js): this waiting worker takes over at once.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});
