// Whether a file of the site arrived as this deploy built it: not cut off halfway (a deploy under
// way, a dropped connection), not changed by a server or proxy. The copies kept for offline use are
// checked before they are kept (offline-copies.js; sw.js does the same), and when Python cannot
// start, the files it starts with are checked, so that the page names them instead of showing the
// runtime's own error ("Unexpected end of input", "exit(1)"). The build stamps every file's sha256
// and whether Python starts with it (the same list as sw.js's).
const FILES = /* BUILD_LATER_FILES */ {};
const SITE = new URL("./", import.meta.url).href;

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/** Whether `bytes` (an ArrayBuffer) are the build's content of `url`: null for a file the build
 * lists no sha256 for (the page's own files) or where this browser cannot hash. */
export async function intact(url, bytes) {
  const listed = url.startsWith(SITE) ? FILES[url.slice(SITE.length).split(/[?#]/)[0]] : undefined;
  if (!listed || !self.crypto?.subtle) return null;
  return hex(await crypto.subtle.digest("SHA-256", bytes)) === listed[0];
}

// Whether `url` arrives as built (false: missing, cut off or changed).
async function arrivesIntact(fetch, url) {
  try {
    const response = await fetch(url);
    return response.ok && (await intact(url, await response.arrayBuffer())) !== false;
  } catch {
    return false; // (a download cut off: the connection closed before its end)
  }
}

/** The URLs of the files Python starts with that are missing, cut off or changed, sorted; [] when
 * all arrive intact, or offline (then nothing can be told). `fetch` is one that keeps no copies. */
export async function damagedFiles(fetch) {
  if (!navigator.onLine) return [];
  const start = Object.keys(FILES).filter((path) => FILES[path][1]).map((path) => SITE + path);
  const fine = await Promise.all(start.map((url) => arrivesIntact(fetch, url)));
  return start.filter((_, i) => !fine[i]).sort();
}

/** Fetch `urls` again past the browser's HTTP cache (which may hold what arrived damaged), so that
 * a reload gets the server's files. */
export async function fetchAgain(fetch, urls) {
  await Promise.all(urls.map((url) => fetch(url, { cache: "reload" }).then((r) => r.arrayBuffer()).catch(() => {})));
}

/** The path of a URL of the site, as the build names its files (`pyodide/pyodide.asm.wasm`). */
export const sitePath = (url) => (url.startsWith(SITE) ? url.slice(SITE.length) : url);
