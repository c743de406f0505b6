// The service worker: after the first visit the page and Python come from this cache, so a
// repeat visit fetches almost nothing and the app works offline. The build versions the cache with
// a hash of the site, so each deploy gets a fresh one.
// This site's caches, one per deploy (as offline-copies.js names them): the build stamps the prefix and
// the deploy's version; the site's folder keeps two sites on one origin apart.
const SITE_CACHES = "BUILD_CACHE_PREFIX" + new URL("./", self.location.href).pathname;
const CACHE = SITE_CACHES + "BUILD_VERSION";
const isOurs = (name) => name.startsWith(SITE_CACHES) && /^[0-9a-f]{16}$/.test(name.slice(SITE_CACHES.length));
// Filled in by the build: the page's own files. Everything else is cached when first fetched: here,
// or, on a first visit (this worker does not control the page yet), by Python's worker itself
// (offline-copies.js), which keeps a copy of every file it fetches in this cache.
const PRECACHE = /* BUILD_PRECACHE */ [];
// Filled in by the build: every other file, as {path: [sha256, whether Python needs it to start]}.
const LATER_FILES = /* BUILD_LATER_FILES */ {};

// From the server, never from the browser's HTTP cache (which may hold the last deploy's file).
const fresh = (url) => new Request(url, { cache: "no-cache" });

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map(fresh));
      // The first one takes over at once. A new deploy's waits until no page of the old one is open,
      // or until a page's "Reload" asks it (below), so that an open page does not lose its cache.
      const update = Boolean(self.registration.active);
      await keepFromLastDeploy(cache, update);
      if (!update) self.skipWaiting();
    })(),
  );
});

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256Of = async (response) => hex(await crypto.subtle.digest("SHA-256", await response.arrayBuffer()));

// The last deploy's files that did not change are copied (no download); on an update, those Python
// starts with are fetched if they changed, so that it starts offline as soon as this deploy takes over.
async function keepFromLastDeploy(cache, update) {
  const others = (await caches.keys()).filter((name) => isOurs(name) && name !== CACHE);
  for (const [path, [sha256, start]] of Object.entries(LATER_FILES)) {
    const url = new URL(path, self.location.href).href;
    let kept = false;
    for (const name of others) {
      try {
        const old = await (await caches.open(name)).match(url);
        if (old && (await sha256Of(old.clone())) === sha256) {
          await cache.put(url, old);
          kept = true;
          break;
        }
      } catch {
        // (an entry that cannot be read, storage full: not kept)
      }
    }
    if (!kept && start && update) {
      const response = await fetch(fresh(url));
      // (not this deploy's file: the install fails, and is tried again at the next visit)
      if (!response.ok || (await sha256Of(response.clone())) !== sha256) throw new Error(path);
      await cache.put(url, response);
    }
  }
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (isOurs(key) && key !== CACHE) await caches.delete(key);
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
