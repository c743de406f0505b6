// The start-up floor: a page whose worker only loads Pyodide from the site's own runtime and
// imports NumPy, as the app's worker does before its own work. Marks "bare-ready" when done.
const worker = new Worker(`bare-worker.js${location.search}`, { type: "module" });
worker.onmessage = (e) => {
  performance.mark("bare-ready");
  document.getElementById("state").textContent = e.data;
  document.getElementById("state").dataset.ready = "1";
};
