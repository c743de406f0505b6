// Repeat visits and offline use: the service worker serves the site from its cache. On the first
// visit, wait (briefly) until it controls the page, so Python's files are fetched once, through it.
const SERVICE_WORKER_WAIT_MS = 3000;

export async function serviceWorkerControl() {
  if (!("serviceWorker" in navigator)) return;
  try {
    const registered = navigator.serviceWorker.register("sw.js");
    registered.catch(() => {}); // without it the app works, only slower
    if (navigator.serviceWorker.controller) return;
    await Promise.race([
      new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true })),
      new Promise((resolve) => setTimeout(resolve, SERVICE_WORKER_WAIT_MS)),
      registered.then(() => new Promise(() => {}), () => {}), // it cannot register: the app works without it, only slower
    ]);
  } catch {
    // Service workers can be unavailable (private windows, blocked): carry on without.
  }
}
