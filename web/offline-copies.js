// A first visit: no service worker controls the page yet, so it does not see the files Python's
// worker fetches. Rather than wait for it to take over (about 0.6 s), the worker keeps a copy of
// every file it fetches in the service worker's cache; sw.js serves them from there from then on,
// also offline. worker-start.js names the worker KEEP_COPIES when the page is not controlled.

export const CACHE = "BUILD_CACHE"; // stamped by the build: sw.js's cache, this deploy's
export const KEEP_COPIES = "keep-copies"; // the worker's name when it keeps copies (worker-start.js)

let cache = null; // Promise of the open cache, or of null where there is none (storage blocked, say)
const openCache = () => (cache ??= (async () => caches.open(CACHE))().catch(() => null));

const urlOf = (resource) => new URL(resource instanceof Request ? resource.url : String(resource), location.href).href;

/** `fetch`, keeping a copy of each successful GET of the site's own files in the cache. */
export function keepingCopies(fetch) {
  return async (resource, options) => {
    const response = await fetch(resource, options);
    const method = options?.method || (resource instanceof Request ? resource.method : "GET");
    if (method.toUpperCase() === "GET" && response.ok && response.type === "basic") {
      const url = urlOf(resource);
      const copy = response.clone(); // read by the cache while the caller reads the original
      openCache()
        .then((open) => (open ? open.put(url, copy) : copy.body?.cancel()))
        .catch(() => {}); // (storage full, say: not kept; the service worker caches it next time)
    }
    return response;
  };
}

/** Keep copies of files that did not come through fetch (the scripts a module imports): the
 * browser's HTTP cache has them, so this does not download them again where it may keep them. */
export async function keepCopiesOf(urls) {
  const open = await openCache();
  if (!open) return;
  for (const url of urls) {
    if (!(await open.match(url))) await open.add(url).catch(() => {});
  }
}
