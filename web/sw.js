// The service worker: after the first visit the page and Python come from this cache, so a
// repeat visit fetches almost nothing and the app works offline. The build versions the cache with
// a hash of the site, so each deploy gets a fresh one.
// This site's caches, one per deploy (as offline-copies.js names them): the build stamps the prefix and
// the deploy's version; the site's folder keeps two sites on one origin apart.
const SITE_CACHES = "BUILD_CACHE_PREFIX" + new URL("./", self.location.href).pathname;
const VERSION = "BUILD_VERSION"; // (file-integrity.js's siteChanged reads it in this form)
const CACHE = SITE_CACHES + VERSION;
const isOurs = (name) => name.startsWith(SITE_CACHES) && /^[0-9a-f]{16}$/.test(name.slice(SITE_CACHES.length));
// Filled in by the build: the page's own files. Everything else is cached when first fetched: here,
// or, on a first visit (this worker does not control the page yet), by Python's worker itself
// (offline-copies.js), which keeps a copy of every file it fetches in this cache.
const PRECACHE = /* BUILD_PRECACHE */ {}; // {path: sha256, or null for the HTML page}
// Filled in by the build: every other file, as {path: [sha256, whether Python needs it to start]}.
const LATER_FILES = /* BUILD_LATER_FILES */ {};
// Nothing is kept that is not the file the build made (cut off halfway, changed on the way), but
// the HTML page, which some hosts add to (file-integrity.js checks the same way; a classic service
// worker cannot import it).
// {path: the sha256s it may have (a .gz sent with "Content-Encoding: gzip" arrives inflated), or null}
const SHA256 = {
  ...Object.fromEntries(Object.entries(PRECACHE).map(([path, sha256]) => [path, sha256 && [sha256]])),
  ...Object.fromEntries(Object.entries(LATER_FILES).map(([path, [sha256, , inflated]]) => [path, [sha256, inflated]])),
};
const SCOPE = new URL("./", self.location.href).href;
const expectedSha256 = (url) => (url.startsWith(SCOPE) ? SHA256[url.slice(SCOPE.length).split(/[?#]/)[0] || "./"] : undefined);

// From the server, never from the browser's HTTP cache (which may hold the last deploy's file).
const fresh = (url) => new Request(url, { cache: "no-cache" });

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // (a file that is not the build's fails the install, which is tried again at the next visit)
      const files = await Promise.all(Object.keys(PRECACHE).map((path) => fetchIntact(new URL(path, SCOPE).href)));
      await Promise.all(files.map(([url, response]) => cache.put(url, response)));
      // The first one takes over at once. A new deploy's waits until no page of the old one is open,
      // or until a page's "Reload" asks it (below), so that an open page does not lose its cache.
      const update = Boolean(self.registration.active);
      await keepFromLastDeploy(cache, update);
      if (!update) self.skipWaiting();
    })(),
  );
});

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
// The types a file must be served with to work (as in file-integrity.js): a copy served with another
// is not kept, so that a server set right is asked again.
const NEEDED_TYPES = { wasm: /^application\/wasm$/i, js: /(java|ecma)script/i, mjs: /(java|ecma)script/i };
function servedAsNeeded(url, response) {
  const needed = NEEDED_TYPES[url.split(/[?#]/)[0].split(".").pop()];
  return !needed || needed.test(response.headers.get("content-type") || "");
}

// `response` for `url`, read once, if served with the type it needs and its sha256 is one of
// `expected`; else null. With nothing expected (the HTML page, which hosts may add to), a page that
// reaches its </html>: not one cut off.
async function checked(url, response, expected) {
  if (!servedAsNeeded(url, response)) return null;
  if (expected === undefined) return response;
  const bytes = await response.arrayBuffer();
  if (expected === null) {
    if (!/<\/html>/i.test(new TextDecoder().decode(bytes))) return null; // (hosts may add after it too)
  } else if (!expected.includes(hex(await crypto.subtle.digest("SHA-256", bytes)))) return null;
  const { status, statusText, headers } = response;
  return new Response(bytes, { status, statusText, headers });
}

// [url, its response] from the server, if it is the build's file; else the install fails. (The
// HTML page has no sha256: some hosts add to it.)
async function fetchIntact(url) {
  const response = await fetch(fresh(url));
  const intact = response.ok && (await checked(url, response, expectedSha256(url)));
  if (!intact) throw new Error(url);
  return [url, intact];
}

// The last deploy's files that did not change are copied (no download); on an update, those Python
// starts with are fetched if they changed, so that it starts offline as soon as this deploy takes over.
async function keepFromLastDeploy(cache, update) {
  const others = (await caches.keys()).filter((name) => isOurs(name) && name !== CACHE);
  for (const [path, [, start]] of Object.entries(LATER_FILES)) {
    const url = new URL(path, self.location.href).href;
    let kept = false;
    for (const name of others) {
      try {
        const old = await (await caches.open(name)).match(url);
        const same = old && (await checked(url, old, expectedSha256(url)));
        if (same) {
          await cache.put(url, same);
          kept = true;
          break;
        }
      } catch {
        // (an entry that cannot be read, storage full: not kept)
      }
    }
    if (!kept && start && update) await cache.put(...(await fetchIntact(url)));
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
  if (request.url.split(/[?#]/)[0] === self.location.href) return; // (this file: what the server has now says whether the site changed)
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(request, { ignoreSearch: true, ignoreMethod: true });
      if (cached) return cached;
      const response = await fetch(request);
      if (method === "GET" && response.ok && response.type === "basic") {
        event.waitUntil(keep(cache, request, response.clone()).catch(() => {})); // (storage full: not kept)
      }
      return response;
    })(),
  );
});

// Keep a response fetched for the page, unless it is not the build's file (cut off, changed).
async function keep(cache, request, response) {
  const intact = await checked(request.url, response, expectedSha256(request.url));
  if (intact) await cache.put(request, intact);
}

// The page's "Reload" for a new deploy (sw-register.js): this waiting worker takes over at once.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});
