// Repeat visits and offline use: the service worker serves the site from its cache. Python does not
// wait for it: on a first visit its worker keeps the files it fetches itself (offline-copies.js).
import { CACHE } from "./offline-copies.js";

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").catch(() => {
    // The app works without it, only slower; the copies Python's worker kept would serve nobody.
    globalThis.caches?.delete(CACHE).catch(() => {});
  });
}
