// A first visit: no service worker controls the page yet, so it does not see the files Python's
// worker fetches. Rather than wait for it to take over (about 0.6 s), the worker keeps a copy of
// every successful same-origin GET it makes in the service worker's cache; sw.js serves them from
// there from then on, also offline. worker-start.js names the worker KEEP_COPIES when the page is
// not controlled (tests/build/test_build.py checks that the two names agree).

export const CACHE = "BUILD_CACHE"; // stamped by the build: sw.js's cache, this deploy's
const CACHE_PREFIX = "BUILD_CACHE_PREFIX"; // stamped by the build: of every deploy's cache
export const KEEP_COPIES = "keep-copies"; // the worker's name when it keeps copies

let keeping = true; // until forgetCopies
const writing = new Set(); // the copies being written

let cache = null; // Promise of the open cache, or of null where there is none (storage blocked, say)
function openCache() {
  if (!cache) {
    cache = (async () => caches.open(CACHE))().catch(() => null); // (a synchronous throw too)
  }
  return cache;
}

const urlOf = (resource) => new URL(resource instanceof Request ? resource.url : String(resource), location.href).href;

function keep(write) {
  const done = write.catch(() => {}); // (storage full, say: not kept; the service worker caches it next time)
  writing.add(done);
  done.finally(() => writing.delete(done));
}

/** `fetch`, keeping a copy of each successful GET of the site's own files in the cache;
 * `onGet(url)`, if given, hears each GET as it starts. */
export function keepingCopies(fetch, onGet = null) {
  return async (resource, options) => {
    const method = options?.method || (resource instanceof Request ? resource.method : "GET");
    const get = method.toUpperCase() === "GET";
    if (get && onGet) onGet(urlOf(resource));
    const response = await fetch(resource, options);
    if (keeping && get && response.ok && response.type === "basic") {
      const url = urlOf(resource);
      const copy = response.clone(); // read by the cache while the caller reads the original
      keep(openCache().then((open) => (open && keeping ? open.put(url, copy) : copy.body?.cancel())));
    }
    return response;
  };
}

/** Keep copies of files that did not come through fetch (the scripts a module imports). They are
 * asked for again: where the browser's HTTP cache keeps them, that downloads nothing. */
export function keepCopiesOf(urls) {
  keep(
    (async () => {
      const open = await openCache();
      for (const url of urls) {
        if (!open || !keeping) return;
        if (!(await open.match(url))) await open.add(url);
      }
    })(),
  );
}

/** Resolves once the copies under way are written (or have failed), or after `ms`. */
export function copiesWritten(ms) {
  return Promise.race([Promise.all([...writing]), new Promise((resolve) => setTimeout(resolve, ms))]);
}

/** No service worker will use the copies (it could not register): stop keeping them, and delete
 * every deploy's copies once the writes under way are done. */
export async function forgetCopies() {
  keeping = false;
  await Promise.all([...writing]);
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX)) await caches.delete(name);
  }
}
