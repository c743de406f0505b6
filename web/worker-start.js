// A classic script in <head>, so that Python starts loading before the page's modules have loaded.
// On a repeat visit (the service worker already controls the page, so it serves everything Python's
// worker fetches) it starts that worker, which starts loading Python at once (worker.js);
// worker-client.js adopts it and hears the events it sent meanwhile. On a first visit it registers
// the service worker, which then installs while the page loads; the page starts Python's worker
// once the service worker controls it (sw-register.js), so that Python's files are cached for
// offline use as they are fetched. From disk (file://) nothing can start: file-check.js explains that.
if (location.protocol !== "file:" && navigator.serviceWorker) {
  if (!navigator.serviceWorker.controller) {
    navigator.serviceWorker.register("sw.js").catch(() => {}); // (sw-register.js registers it too, and copes)
  } else {
    try {
      const url = new URL("worker.js", location.href).href; // worker-life.js's worker: adopted only if the same
      const worker = new Worker(url, { type: "module" });
      const early = []; // the events before worker-client.js took over
      const keep = (event) => {
        if (event.type === "error") event.preventDefault(); // worker-client.js reports it
        early.push(event);
      };
      for (const type of ["message", "error", "messageerror"]) worker.addEventListener(type, keep);
      self.DIGITS_EARLY_WORKER = {
        url,
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
}
