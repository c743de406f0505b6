// Runs every browser variant of the seed loop REPS times, one after another, and publishes the
// results as JSON in #log (read by tests/benchmarks/run.py).
const params = new URLSearchParams(location.search);
const REPS = Number(params.get("reps") || 3);
const ONLY = params.get("only");
const DATA = new URL("../data/", location.href).href;
const log = document.getElementById("log");

function call(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message);
  });
}

const results = {};
const pyWorker = new Worker("pyodide-worker.js", { type: "module" });
const variants = [
  ["pyodide_pycore_fast", () => call(pyWorker, { variant: "pycore_fast", dataBase: DATA })],
  ["pyodide_pycore_plain", () => call(pyWorker, { variant: "pycore_plain", dataBase: DATA })],
  ["pyodide_seed_plain", () => call(pyWorker, { variant: "seed_plain", dataBase: DATA })],
  ["js_float64_loop", () => call(new Worker("jsloop.js", { type: "module" }), { dataBase: DATA })],
  ["tfjs_wasm", () => call(new Worker("tfjs-worker.js"), { dataBase: DATA })],
];
for (const [name, run] of variants) {
  if (ONLY && !ONLY.split(",").includes(name)) continue;
  results[name] = [];
  for (let r = 0; r < REPS; r++) {
    try {
      results[name].push(await run());
    } catch (error) {
      results[name].push({ error: String(error) });
    }
    log.textContent = JSON.stringify(results);
  }
}
log.textContent = JSON.stringify(results);
log.dataset.done = "1";
