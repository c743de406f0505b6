// The seed-loop benchmark's page: `runVariant(name)` runs one variant in a new worker (so every
// Pyodide run starts from a fresh Pyodide, alone) and resolves to its result. tests/benchmarks/run.py
// calls it, interleaving the variants (A/B/A/B), and `profile()` for the per-pass profile.
const DATA = new URL("../data/", location.href).href;

function call(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message);
  }).finally(() => worker.terminate());
}

const pyodide = (variant) => () => call(new Worker("pyodide-worker.js", { type: "module" }), { variant, dataBase: DATA });
const VARIANTS = {
  pyodide_pycore_fast: pyodide("pycore_fast"),
  pyodide_pycore_plain: pyodide("pycore_plain"),
  pyodide_seed_plain: pyodide("seed_plain"),
  pyodide_inline_floor: pyodide("inline_floor"),
  js_float64_loop: () => call(new Worker("jsloop.js", { type: "module" }), { dataBase: DATA }),
  tfjs_wasm: () => call(new Worker("tfjs-worker.js"), { dataBase: DATA }),
};

window.variantNames = Object.keys(VARIANTS);
window.runVariant = (name) => VARIANTS[name]().catch((error) => ({ error: String(error) }));
// Not timed: where the seed loop spends its time, and how far it is from the plain seed code.
window.profile = () => pyodide("profile")().catch((error) => ({ error: String(error) }));
window.equality = () => pyodide("equality")().catch((error) => ({ error: String(error) }));
window.passes = () => pyodide("passes")().catch((error) => ({ error: String(error) }));
document.getElementById("log").textContent = "ready";
document.getElementById("log").dataset.ready = "1";
