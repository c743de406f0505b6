// Whether a file of the site arrived as this deploy built it: not cut off halfway (a deploy under
// way, a server that stopped mid-file), not changed on the way. The copies kept for offline use are
// checked before they are kept (offline-copies.js; sw.js does the same, written again there: a
// classic service worker cannot import this module), and when Python cannot start, the files it
// starts with are checked, so that the page names them instead of showing the runtime's own error
// ("Unexpected end of input", "exit(1)"). The build stamps every file's sha256 (but the page's own:
// sw.js checks those) and whether Python starts with it (the same list as sw.js's; a build test checks that
// the two NEEDED_TYPES agree).
const FILES = /* BUILD_LATER_FILES */ {};
const SITE = new URL("./", import.meta.url).href;

/** The path of a URL of the site, as the build names its files (`pyodide/pyodide.asm.wasm`). */
export const sitePath = (url) => (url.startsWith(SITE) ? url.slice(SITE.length).split(/[?#]/)[0] : url);

/** Whether the build lists a sha256 for `url` that this browser can check. */
export const checkable = (url) => Object.hasOwn(FILES, sitePath(url)) && Boolean(self.crypto?.subtle);

// The types a file must be served with to work (the runtime's .wasm, modules): a copy served with
// another is not kept either, so that a server set right is asked again.
const NEEDED_TYPES = { wasm: /^application\/wasm$/i, js: /(java|ecma)script/i, mjs: /(java|ecma)script/i };

/** Whether `response` is served with the type its file needs to work (any, for most files). */
export function servedAsNeeded(url, response) {
  const needed = NEEDED_TYPES[sitePath(url).split(".").pop()];
  return !needed || needed.test(response.headers.get("content-type") || "");
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/** Whether `bytes` (an ArrayBuffer) are the build's content of `url`, if `checkable(url)`; else true. */
export async function intact(url, bytes) {
  if (!checkable(url)) return true;
  const [sha256, , inflated] = FILES[sitePath(url)];
  const found = hex(await crypto.subtle.digest("SHA-256", bytes));
  return found === sha256 || found === inflated; // (a .gz sent with "Content-Encoding: gzip" arrives inflated)
}

/** The URLs of the files Python starts with that are missing, cut off or changed, sorted, among
 * those for which `asked(url)`: checked one after another (one file in memory at a time) until
 * `signal` aborts; [] offline, where nothing can be told. `fetch` is one that keeps no copies. */
export async function damagedFiles(fetch, signal, asked) {
  if (!navigator.onLine || !self.crypto?.subtle) return [];
  const damaged = [];
  for (const path of Object.keys(FILES).filter((p) => FILES[p][1] && asked(SITE + p)).sort()) {
    const url = SITE + path;
    try {
      const response = await fetch(url, { signal });
      if (!response.ok || !(await intact(url, await response.arrayBuffer()))) damaged.push(url);
    } catch (error) {
      if (signal.aborted) break; // (out of time: what was found so far)
      if (error instanceof TypeError) damaged.push(url); // (the connection closed before the file's end)
    }
  }
  return damaged;
}

// How sw.js (and offline-copies.js) state their deploy's version, stamped by the build.
const DEPLOY_VERSION = /const VERSION = "([0-9a-f]{16})"/;

/** Whether the server now holds another deploy of the site than `version` (this page's): a file
 * that is not this deploy's may be the next one's, not damaged. Its sw.js states its version, and
 * is never served from a cache; an answer that does not come within 5 s tells nothing. */
export async function siteChanged(fetch, version) {
  if (!navigator.onLine) return false;
  try {
    const response = await fetch(SITE + "sw.js", { cache: "no-store", signal: AbortSignal.timeout(5000) });
    const found = DEPLOY_VERSION.exec(response.ok ? await response.text() : "");
    return Boolean(found) && found[1] !== version;
  } catch {
    return false; // (offline, say: nothing can be told)
  }
}

/** Fetch `urls` again past the browser's HTTP cache (which may hold what arrived damaged), so that
 * a reload gets the server's files; until `signal` aborts. */
export async function fetchAgain(fetch, urls, signal) {
  for (const url of urls) {
    try {
      await (await fetch(url, { cache: "reload", signal })).arrayBuffer();
    } catch {
      if (signal.aborted) return;
    }
  }
}
