// The worker owns Pyodide. It boots Python, loads pycore from the site's own lock file, and
// answers the page's requests by calling pycore.app.Session. Protocol: PROTOCOL.md.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const PYODIDE_URL = new URL("./pyodide/", import.meta.url).href;
const DATA_URL = new URL("./data/", import.meta.url).href;
const CHUNK_TARGET_MS = 60; // one training chunk's duration: short, so Stop is handled quickly
const WEIGHTS_EVERY_MS = 500; // how often the first layer's weights are sent while training
const WEIGHT_TILES = 64; // first-layer units shown in the weight grid
const REQUIRED_PACKAGES = ["numpy", "Pillow", "pycore"];

let pyodide = null;
let session = null;
let manifest = null;
let stopRequested = false;
let dataLoads = {}; // part -> Promise, so each part is fetched once
let allDigits = null; // Promise of all of MNIST (the 0–9 mode), fetched when first asked for

const status = (stage, percent, text) => postMessage({ type: "status", stage, percent, text });

// Convert a Python return value to plain JS, destroying the proxy.
function toJs(value) {
  if (value === undefined || value === null || typeof value !== "object" || !value.toJs) return value;
  try {
    return value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    value.destroy();
  }
}

// Fetch a data file; onBytes, if given, hears the size of every chunk as it arrives.
async function fetchBytes(name, onBytes = null) {
  const response = await fetch(DATA_URL + name);
  if (!response.ok) throw new Error(`could not fetch ${name}: HTTP ${response.status}`);
  if (!onBytes) return new Uint8Array(await response.arrayBuffer());
  const chunks = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.length);
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}

// loadPyodide hangs instead of failing when the .wasm is missing or has the wrong MIME type,
// so look at it first and say exactly what is wrong.
async function checkRuntime() {
  const url = PYODIDE_URL + "pyodide.asm.wasm";
  const response = await fetch(url, { method: "HEAD" });
  if (!response.ok) throw new Error(`the Python runtime (pyodide.asm.wasm) is missing: HTTP ${response.status}`);
  const type = response.headers.get("content-type") || "";
  if (!type.startsWith("application/wasm")) {
    throw new Error(`pyodide.asm.wasm is served as "${type}"; the server must send application/wasm`);
  }
}

async function boot() {
  const timings = {}; // seconds from the worker's start to the end of each phase (for the benchmark)
  const done = (phase) => (timings[phase] = performance.now() / 1000);
  status("python", 5, "Loading Python");
  // Fetch what Python needs later while Python itself loads.
  const manifestPromise = fetch(DATA_URL + "manifest.json").then((r) => {
    if (!r.ok) throw new Error(`could not fetch the data manifest: HTTP ${r.status}`);
    return r.json();
  });
  const modelPromise = manifestPromise.then((m) => fetchBytes(m.pretrained.file));
  modelPromise.catch(() => {}); // reported when awaited below
  await checkRuntime();
  // `packages` lets Pyodide fetch the wheels while the runtime starts.
  pyodide = await loadPyodide({
    indexURL: PYODIDE_URL,
    lockFileURL: PYODIDE_URL + "pyodide-lock.json",
    packages: ["pycore"],
  });
  done("python");
  const missing = REQUIRED_PACKAGES.filter((n) => !(n in pyodide.loadedPackages));
  if (missing.length) throw new Error(`these packages did not load: ${missing.join(", ")}`);
  status("model", 80, "Loading the pretrained model");
  manifest = await manifestPromise;
  const app = pyodide.pyimport("pycore.app");
  session = app.Session();
  app.destroy();
  done("import");
  const model = toJs(session.load_model(await modelPromise, "pretrained"));
  done("model");
  status("ready", 100, "Ready");
  return { model, manifest, timings };
}

function loadData(part) {
  if (allDigits) return allDigits; // all of MNIST holds the 0–2 images too, in the same order
  if (!dataLoads[part]) {
    dataLoads[part] = (async () => {
      const [images, labels] = await Promise.all([
        fetchBytes(manifest.data[`${part}_images`].file),
        fetchBytes(manifest.data[`${part}_labels`].file),
      ]);
      return toJs(session.set_data(part, images, labels));
    })();
    dataLoads[part].catch(() => delete dataLoads[part]);
  }
  return dataLoads[part];
}

// All 60,000 training and 10,000 test images, with a progress bar; replaces the 0–2 data.
function loadAllDigits() {
  if (!allDigits) {
    allDigits = (async () => {
      const parts = ["train_images", "train_labels", "test_images", "test_labels"].map((k) => manifest.data_all[k]);
      const files = parts.map((p) => p.file);
      const total = parts.reduce((n, p) => n + p.size, 0);
      let loaded = 0;
      const report = (n) => {
        loaded += n;
        postMessage({ type: "data-progress", percent: Math.min(100, Math.round((100 * loaded) / total)) });
      };
      const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
        files.map((f) => fetchBytes(f, report)),
      );
      toJs(session.set_data("train", trainImages, trainLabels));
      return toJs(session.set_data("test", testImages, testLabels));
    })();
    allDigits.catch(() => (allDigits = null));
  }
  return allDigits;
}

// Yield to the event loop so a Stop message gets in. A MessageChannel message is queued at once;
// setTimeout(0) is clamped to 4 ms when nested, which costs seconds over a run of 1-step chunks.
const yieldChannel = new MessageChannel();
const yieldQueue = [];
yieldChannel.port1.onmessage = () => yieldQueue.shift()();
const nextTask = () => new Promise((resolve) => {
  yieldQueue.push(resolve);
  yieldChannel.port2.postMessage(null);
});

async function train({ settings }) {
  stopRequested = false;
  await Promise.all([loadData("train"), loadData("test")]);
  const t = [performance.now()];
  const started = toJs(session.start_training(pyodide.toPy(settings)));
  t.push(performance.now());
  let steps = 20;
  let progress;
  let weightsSentAt = 0;
  for (;;) {
    await nextTask(); // let a Stop message in
    if (stopRequested) {
      progress = toJs(session.stop_training());
      postMessage({ type: "progress", progress });
      break;
    }
    const t0 = performance.now();
    progress = toJs(session.train_chunk(steps));
    const ms = performance.now() - t0;
    postMessage({ type: "progress", progress });
    if (performance.now() - weightsSentAt > WEIGHTS_EVERY_MS) {
      weightsSentAt = performance.now();
      postMessage({ type: "weights", weights: toJs(session.weight_tiles(WEIGHT_TILES, "training")) });
    }
    if (progress.state !== "running") break;
    steps = Math.max(1, Math.min(5000, Math.round((steps * CHUNK_TARGET_MS) / Math.max(ms, 1))));
  }
  t.push(performance.now());
  const evaluation = progress.step > 0 ? toJs(session.finish_training()) : null;
  t.push(performance.now());
  const seconds = (i) => (t[i + 1] - t[i]) / 1000;
  const timings = { setup_s: seconds(0), loop_s: seconds(1), evaluate_s: seconds(2) };
  return { started, progress, evaluation, timings };
}

const handlers = {
  boot,
  async predict({ rgba, width, height }) {
    return toJs(session.predict_rgba(rgba, width, height));
  },
  train,
  async stop() {
    stopRequested = true;
    return {};
  },
  async evaluate() {
    await loadData("test");
    return toJs(session.evaluate());
  },
  async "set-mode"({ mode }) {
    if (mode === "0-2") return toJs(session.use_model("pretrained"));
    await loadAllDigits();
    const slots = toJs(session.model_info()).slots;
    if (slots.includes("pretrained-0-9")) return toJs(session.use_model("pretrained-0-9"));
    const bytes = await fetchBytes(manifest.pretrained_all.file);
    return toJs(session.load_model(bytes, "pretrained-0-9"));
  },
  async weights() {
    return toJs(session.weight_tiles(WEIGHT_TILES, "current"));
  },
  async "use-model"({ slot }) {
    return toJs(session.use_model(slot));
  },
  async "load-model"({ bytes }) {
    return toJs(session.load_model(bytes, "trained"));
  },
  async "model-bytes"() {
    return { bytes: toJs(session.model_bytes()), info: toJs(session.model_info()) };
  },
};

// Python errors arrive as PythonError with the whole traceback; show people its last line.
function message(error) {
  const text = String(error && error.message ? error.message : error);
  const lines = text.trim().split("\n");
  const last = lines[lines.length - 1];
  return last.replace(/^\w+(\.\w+)*(Error|Exception): /, "");
}

self.onmessage = async (event) => {
  const { id, type, args } = event.data;
  const handler = handlers[type];
  try {
    if (!handler) throw new Error(`unknown request ${type}`);
    if (type !== "boot" && type !== "stop" && !session) throw new Error("Python is still loading");
    const result = await handler(args || {});
    const transfer = [];
    if (result && result.bytes instanceof Uint8Array) transfer.push(result.bytes.buffer);
    postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    postMessage({ id, ok: false, error: message(error) });
  }
};
