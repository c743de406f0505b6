// A classic script in <head>: on a repeat visit (the service worker already controls the page, so
// it serves everything Python's worker fetches), start that worker before the page's modules have
// loaded; it starts loading Python at once (worker.js). worker-client.js adopts it and hears the
// events it sent meanwhile. On a first visit the page starts it once the service worker controls
// the page (sw-register.js), so that Python's files are cached for offline use as they are fetched.
// From disk (file://) no worker can start: file-check.js explains that instead.
if (location.protocol !== "file:" && navigator.serviceWorker && navigator.serviceWorker.controller) {
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
