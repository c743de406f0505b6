// A classic script in <head>: start Python's worker before the page's modules have loaded, so
// that Python loads while the page sets itself up (the worker starts booting on its own, see
// worker.js). worker-client.js adopts this worker and hears the events it sent meanwhile.
// Served from disk (file://) no worker can start: file-check.js explains that instead.
if (location.protocol !== "file:") {
  try {
    const worker = new Worker("worker.js", { type: "module" });
    const early = []; // the events before worker-client.js took over
    const keep = (event) => {
      if (event.type === "error") event.preventDefault(); // worker-client.js reports it
      early.push(event);
    };
    for (const type of ["message", "error", "messageerror"]) worker.addEventListener(type, keep);
    self.DIGITS_EARLY_WORKER = {
      worker,
      // the service worker sees this worker's requests only if it already controlled the page
      controlled: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
      adopt() {
        for (const type of ["message", "error", "messageerror"]) worker.removeEventListener(type, keep);
        delete self.DIGITS_EARLY_WORKER;
        return early;
      },
    };
  } catch {
    // worker-client.js starts one later and reports what goes wrong
  }
}
