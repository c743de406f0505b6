// A first visit: no service worker controls the page yet, so it does not see the files Python's
// worker fetches. Rather than wait for it to take over (about 0.6 s), the worker keeps a copy of
// every successful same-origin GET it makes in the service worker's cache; sw.js serves them from
// there from then on, also offline. worker-start.js names the worker KEEP_COPIES when the page is
// not controlled (tests/build/test_build.py checks that the two names, and the cache's, agree).

import { checkable, intact, servedAsNeeded } from "./file-integrity.js";

export const KEEP_COPIES = "keep-copies"; // the worker's name when it keeps copies
// This site's caches, one per deploy (as sw.js names them): the build stamps the prefix and the
// deploy's version; the site's folder keeps two sites on one origin apart.
const SITE_CACHES = "BUILD_CACHE_PREFIX" + new URL("./", import.meta.url).pathname;
/** This deploy's version (a hash of the site, stamped by the build). */
export const VERSION = "BUILD_VERSION";
export const CACHE = SITE_CACHES + VERSION;

/** Delete every deploy's copies of this site (nobody would serve them); not those of a site in a
 * folder below it. */
export async function deleteCopies() {
  for (const name of await caches.keys()) {
    if (name.startsWith(SITE_CACHES) && /^[0-9a-f]{16}$/.test(name.slice(SITE_CACHES.length))) await caches.delete(name);
  }
}

/** Delete this deploy's copies of `urls` (damaged ones: a reload fetches them again). */
export async function deleteCopiesOf(urls) {
  try {
    const cache = await caches.open(CACHE);
    await Promise.all(urls.map((url) => cache.delete(url)));
  } catch {
    // (no storage here: nothing was kept)
  }
}

/** The URL a fetch of `resource` (a string, a URL or a Request) asks for. */
export const urlOf = (resource) => new URL(resource instanceof Request ? resource.url : String(resource), location.href).href;

/** The copies one worker keeps. */
export class OfflineCopies {
  constructor() {
    this.keeping = true; // until forget()
    this.writing = new Set(); // the copies being written
    this.cache = null; // Promise of the open cache, or of null where there is none (storage blocked, say)
    this.fetch = null; // the fetch that wrap() wraps
  }

  open() {
    if (!this.cache) this.cache = (async () => caches.open(CACHE))().catch(() => null); // (a synchronous throw too)
    return this.cache;
  }

  #track(write) {
    const done = write.catch(() => {}); // (storage full, say: not kept; the service worker caches it next time)
    this.writing.add(done);
    done.finally(() => this.writing.delete(done));
  }

  /** `fetch`, keeping a copy of each successful GET of the site's own files; `onGet()`, if given,
   * is called as each GET starts. */
  wrap(fetch, onGet = null) {
    this.fetch = fetch; // (keep() fetches with it: no second copy)
    return async (resource, options) => {
      const method = options?.method || (resource instanceof Request ? resource.method : "GET");
      const get = method.toUpperCase() === "GET";
      if (get && onGet) onGet();
      const response = await fetch(resource, options);
      if (this.keeping && get && response.ok && response.type === "basic") {
        this.#track(this.#put(urlOf(resource), response.clone())); // (read while the caller reads the original)
      }
      return response;
    };
  }

  // Keep `response` as the copy of `url` if it is the file the build made (not one cut off or changed).
  async #put(url, response) {
    const cache = await this.open();
    if (!cache || !this.keeping || !servedAsNeeded(url, response)) {
      await response.body?.cancel();
      return;
    }
    if (checkable(url)) {
      const bytes = await response.arrayBuffer(); // (read once: checked, then kept)
      if (!(await intact(url, bytes))) return;
      const { status, statusText, headers } = response;
      response = new Response(bytes, { status, statusText, headers });
    }
    if (this.keeping) await cache.put(url, response);
  }

  /** Keep copies of files that did not come through fetch (the scripts a module imports). They are
   * asked for again: where the browser's HTTP cache keeps them, that downloads nothing. */
  keep(urls) {
    this.#track(
      (async () => {
        const cache = await this.open();
        for (const url of urls) {
          if (!cache || !this.keeping) return;
          if (await cache.match(url)) continue;
          const response = await (this.fetch ?? fetch)(url);
          if (response.ok) await this.#put(url, response);
        }
      })(),
    );
  }

  /** Resolves once the copies under way are written (or have failed), or after `ms`. */
  written(ms) {
    return Promise.race([Promise.all([...this.writing]), new Promise((resolve) => setTimeout(resolve, ms))]);
  }

  /** Delete the copies of `urls` (damaged ones), once the writes under way are done (at most `ms`). */
  async drop(urls, ms) {
    await this.written(ms);
    await deleteCopiesOf(urls);
  }

  /** No service worker will serve the copies: stop keeping them, and delete them all once the
   * writes under way are done. */
  async forget() {
    this.keeping = false;
    await Promise.all([...this.writing]);
    await deleteCopies();
  }
}
