// Repeat visits and offline use: the service worker serves the site from its cache. Python does not
// wait for it: on a first visit its worker keeps the files it fetches itself (offline-copies.js).

/** Register the service worker; `noServiceWorker()` is called if it cannot be, and none is active. */
export function registerServiceWorker(noServiceWorker) {
  try {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("sw.js").catch(async () => {
      // The app works without it, only slower. An active one (an earlier visit's) still serves.
      const active = await navigator.serviceWorker.getRegistration().then((r) => r && r.active, () => null);
      if (!active) noServiceWorker();
    });
  } catch {
    // (service workers can be unavailable: a sandboxed frame, say)
  }
}
