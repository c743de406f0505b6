// A classic script in <head>: on a repeat visit (the service worker already controls the page, so
// it serves everything Python's worker fetches) it starts that worker before the page's modules have
// loaded; the worker starts loading Python at once (worker.js), and worker-client.js adopts it and
// hears the events it sent meanwhile. On a first visit the page starts it once the service worker
// controls the page (sw-register.js), so that Python's files are cached for offline use as they are
// fetched. From disk (file://) no worker can start: file-check.js explains that instead.
if (location.protocol !== "file:" && navigator.serviceWorker && navigator.serviceWorker.controller) {
  try {
    const url = new URL("worker.js", location.href).href; // worker-life.js's worker: adopted only if the same
    const worker = new Worker(url, { type: "module" });
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
