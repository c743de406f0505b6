// Repeat visits and offline use: the service worker serves the site from its cache and keeps every
// file that passes through it. Python's worker does not wait for it (worker-start.js starts the worker
// at once): on a first visit the service worker does not yet control the page, so it does not see that
// worker's requests, and the page names those files to it afterwards (keepForOffline).

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").catch(() => {}); // without it the app works, only slower
}

let saving = 0; // requests to the service worker not yet answered

/** Ask the service worker to keep these files of the site (fetched where it could not see them).
 * `data-offline-copy` on <html> is "saving" until it has answered every such request, then "saved". */
export async function keepForOffline(urls) {
  if (!("serviceWorker" in navigator) || !urls.length) return;
  saving += 1;
  document.documentElement.dataset.offlineCopy = "saving";
  try {
    const registration = await navigator.serviceWorker.ready; // (never, if it cannot register: nothing to keep then)
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      registration.active.postMessage({ type: "keep", urls }, [channel.port2]);
    });
  } catch {
    // Service workers can be unavailable (private windows, blocked): the app works online.
  } finally {
    saving -= 1;
    if (!saving) document.documentElement.dataset.offlineCopy = "saved";
  }
}
