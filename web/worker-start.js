// A classic script, first in <head>: it starts Python's worker before the page's modules have
// loaded; the worker starts loading Python at once (worker.js), and worker-client.js adopts it and
// hears the events it sent meanwhile. From disk (file://) no worker can start: file-check.js says so.
//
// DIGITS_START_WORKER is also how worker-client.js starts one later (a restart). While no service
// worker controls the page (a first visit), it does not see what the worker fetches: the worker is
// then named "keep-copies" (offline-copies.js's KEEP_COPIES) and keeps the files for offline use itself.
// DIGITS_SERVICE_WORKER is this site's service worker (sw-register.js registers it), and whether it
// controls the page: another site's on the same origin may.
self.DIGITS_SERVICE_WORKER = {
  url: new URL("sw.js", location.href).href,
  controls() {
    return "serviceWorker" in navigator && navigator.serviceWorker.controller?.scriptURL === this.url;
  },
};
self.DIGITS_START_WORKER = (url) => {
  const keepCopies =
    "serviceWorker" in navigator && !self.DIGITS_SERVICE_WORKER.controls() && !self.DIGITS_NO_SERVICE_WORKER;
  return new Worker(url, { type: "module", name: keepCopies ? "keep-copies" : "" });
};
if (location.protocol !== "file:") {
  try {
    const url = new URL("worker.js", location.href).href; // worker-life.js's worker: adopted only if the same
    const worker = self.DIGITS_START_WORKER(url);
    const early = []; // the events before worker-client.js took over
    const keep = (event) => {
      if (event.type === "error") event.preventDefault(); // worker-client.js reports it
      early.push(event);
    };
    const types = ["message", "error", "messageerror"];
    for (const type of types) worker.addEventListener(type, keep);
    self.DIGITS_EARLY_WORKER = {
      url,
      worker,
      adopt() {
        for (const type of types) worker.removeEventListener(type, keep);
        delete self.DIGITS_EARLY_WORKER;
        return early;
      },
    };
  } catch {
    // worker-client.js starts one later and reports what goes wrong
  }
}
