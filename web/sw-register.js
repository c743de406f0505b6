// Repeat visits and offline use: the service worker serves the site from its cache. Python does not
// wait for it: on a first visit its worker keeps the files it fetches itself (offline-copies.js).
import { deleteCopies } from "./offline-copies.js";

/** Register the service worker. If it cannot register or install (and none is active), the copies
 * Python's worker keeps would serve nobody: the worker `currentWorker()` returns is asked to forget
 * them (or, if it cannot answer, they are deleted here), and a restarted worker keeps none.
 * A new deploy's service worker waits (sw.js): `onUpdate(apply)` is called once it is ready, and
 * `apply()` lets it take over and reloads the page. */
export function registerServiceWorker(currentWorker, onUpdate) {
  const noServiceWorker = () => {
    self.DIGITS_NO_SERVICE_WORKER = true; // (read by worker-start.js)
    const worker = currentWorker();
    (worker ? worker.request("forget-copies") : Promise.reject()).catch(() => deleteCopies().catch(() => {}));
  };
  try {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(self.DIGITS_SERVICE_WORKER.url).then(
      (registration) => {
        if (!registration) return noServiceWorker(); // (a browser that blocks service workers may answer so)
        const installing = registration.installing; // (its install can still fail: a file it caches, storage)
        installing?.addEventListener("statechange", () => {
          if (installing.state === "redundant" && !registration.active) noServiceWorker();
        });
        offerUpdates(registration, onUpdate);
      },
      async () => {
        // The app works without it, only slower. An active one (an earlier visit's) still serves.
        const active = await navigator.serviceWorker.getRegistration().then((r) => r && r.active, () => null);
        if (!active) noServiceWorker();
      },
    );
  } catch {
    // (service workers can be unavailable: a sandboxed frame, say)
  }
}

// A new deploy's service worker that has installed and waits while this page (of the old one) is
// open: offer it, unless this is a first visit (another site's service worker may control the page).
function offerUpdates(registration, onUpdate) {
  const offer = () => {
    if (!self.DIGITS_SERVICE_WORKER.controls()) return; // (worker-start.js)
    onUpdate(() => {
      const waiting = registration.waiting;
      if (!waiting) return location.reload(); // (another tab's Reload brought it already)
      navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
      waiting.postMessage("skip-waiting");
    });
  };
  const watch = (worker) =>
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed") offer();
    });
  if (registration.waiting) offer();
  watch(registration.installing); // (already installing when the registration came back)
  registration.addEventListener("updatefound", () => watch(registration.installing));
}
