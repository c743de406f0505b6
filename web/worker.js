// The worker owns Pyodide. It boots Python, loads pycore from the site's own lock file, and
// answers the page's requests by calling pycore.app.Session. Protocol: PROTOCOL.md.
import { damagedFiles, fetchAgain, intact, servedAsNeeded, siteChanged, sitePath } from "./file-integrity.js";
import { deleteCopiesOf, KEEP_COPIES, OfflineCopies, urlOf, VERSION } from "./offline-copies.js";
import { loadPyodide } from "./pyodide/pyodide.mjs";

const PYODIDE_URL = new URL("./pyodide/", import.meta.url).href;
const DATA_URL = new URL("./data/", import.meta.url).href;
const CHUNK_TARGET_MS = 200; // one training chunk's duration: Stop waits at most this; each chunk also costs
// about 2 ms of its own (the first layer's weights written back, the progress and its message)
const WEIGHTS_EVERY_MS = 500; // how often the first layer's weights are sent while training
const COPIES_WAIT_MS = 5000; // at most, before "ready", for the copies of Python's files (offline-copies.js)
const DAMAGED_CHECK_MS = 15_000; // at most, when Python could not start, to name the files that did not arrive whole
const REQUIRED_PACKAGES = ["numpy", "pycore"]; // loaded before "ready"; Pillow after it (see loadPillow)
// Which requests wait for Pillow: "needs" (a drawing is read with it: fails if it did not load, after
// one more try), "loaded" (a drawing read while its stroke goes on: fails at once if the last load
// failed; the stroke's end tries again) or "may" (the Lab's code can import it: waits for its load,
// never fails for it). The first request that waits starts the load.
const PILLOW = {
  predict: (args) => (args.live ? "loaded" : "needs"),
  "one-step": (args) => (args.rgba !== null && args.rgba !== undefined ? "needs" : null),
  "lab-run": () => "may",
  "load-pillow": () => "may", // (the page asks for the load once it has said "ready")
};

// A first visit (see offline-copies.js): every file fetched from here on is also kept for offline use.
// The runtime imports its two scripts (fetch does not see them). Once the second has run (it defines
// _createPyodideModule) they are asked for again, from the browser's HTTP cache, to be kept.
const copies = self.name === KEEP_COPIES ? new OfflineCopies() : null;
const WASM_URL = PYODIDE_URL + "pyodide.asm.wasm";
const RUNTIME_SCRIPTS = ["pyodide.mjs", "pyodide.asm.js"].map((name) => PYODIDE_URL + name);
let scriptsKept = false;
function keepScriptsOnceLoaded() {
  if (!scriptsKept && typeof self._createPyodideModule === "function") {
    scriptsKept = true;
    copies.keep(RUNTIME_SCRIPTS);
  }
}
// The files this worker asked for (the runtime's scripts are imported): those that could be why
// Python did not start (file-integrity.js checks them with plainFetch, which keeps no copies).
const asked = new Set(RUNTIME_SCRIPTS);
const plainFetch = self.fetch.bind(self);
function askingFetch(resource, options) {
  asked.add(urlOf(resource));
  return plainFetch(resource, options);
}
self.fetch = copies ? copies.wrap(askingFetch, keepScriptsOnceLoaded) : askingFetch;

let pyodide = null;
let session = null;
let manifest = null;
let config = null; // pycore.app.page_config(): recipes, modes, limits, the error types meant for people
let userErrors = new Set();
let stopRequested = false;
let pillow = null; // Promise of Pillow's loading, started by the first request that waits for it (load-pillow)
let pillowLoading = false; // whether a load of Pillow is under way
let dataLoads = {}; // part -> Promise, so each part is fetched once
let allDigits = null; // Promise of all of MNIST (the 0–9 mode), fetched when first asked for
const fileSizes = {}; // data file name -> bytes, from the manifest (for the offline messages)

const status = (stage, percent) => postMessage({ type: "status", stage, percent });

// The worker says nothing in words: its errors carry a message key and parameters (the page's
// catalogs, web/i18n/, hold the words); `message` is the key, for the console.
class KeyedError extends Error {
  constructor(key, params = {}) {
    super(key);
    this.key = key;
    this.params = params;
  }
}
const message = (key, params = {}) => ({ key, params });

// Convert a Python return value to plain JS, destroying the proxy.
function toJs(value) {
  if (value === undefined || value === null || typeof value !== "object" || !value.toJs) return value;
  try {
    return value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    value.destroy();
  }
}


// Fetch data files. `need` says what they are for, so that a failed fetch (offline) can say what
// to do: "You are offline: training needs the MNIST images (3.3 MB) once online." (worker.offline)
// The first failure stops the others, and their progress, which would hide its message.
async function fetchFiles(names, need, onBytes = null) {
  const stop = new AbortController();
  const report = onBytes && ((n) => stop.signal.aborted || onBytes(n));
  try {
    return await Promise.all(names.map((name) => fetchBytes(name, report, stop.signal)));
  } catch (error) {
    stop.abort();
    if (!(error instanceof TypeError) || navigator.onLine) throw error; // an HTTP error says what it is already
    const size = names.reduce((n, name) => n + (fileSizes[name] || 0), 0);
    const what = size ? message("worker.sized", { what: message(need.what), megabytes: Math.round(size / 1e5) / 10 }) : message(need.what);
    throw new KeyedError("worker.offline", { action: message(need.action), what });
  }
}

// Fetch a data file, checked against the build's sha256 (not cut off or changed: if it is, once more
// past the HTTP cache, which may have kept it so); onBytes, if given, hears the size of every chunk.
async function fetchBytes(name, onBytes = null, signal = undefined) {
  const url = DATA_URL + name;
  // (a connection cut mid-file, or a damaged copy: once more, without progress; the first one is
  // not held meanwhile)
  for (const [init, progress] of [[{ signal }, onBytes], [{ cache: "reload", signal }, null]]) {
    try {
      const bytes = await download(url, progress, init);
      if (await intact(url, bytes)) return bytes;
    } catch (error) {
      if (!(error instanceof TypeError) || !navigator.onLine) throw error; // (offline: fetchFiles says so)
    }
  }
  throw await notAsBuilt([url]);
}

// The error for files that are not this deploy's: damaged, unless the site was updated while the
// page was open (they are then the new deploy's, which a reload takes).
async function notAsBuilt(urls) {
  return (await siteUpdated()) || new KeyedError("worker.damaged", { files: urls.map(sitePath) });
}

// worker.siteUpdated if the server holds another deploy than this page's, else null.
async function siteUpdated() {
  return (await siteChanged(plainFetch, VERSION)) ? new KeyedError("worker.siteUpdated") : null;
}

async function download(url, onBytes, init = {}) {
  const response = await fetch(url, init);
  if (!response.ok) {
    const updated = response.status === 404 && (await siteUpdated()); // (renamed by a deploy, perhaps)
    throw updated || new KeyedError("worker.http", { name: sitePath(url), status: response.status });
  }
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
  const response = await fetch(WASM_URL, { method: "HEAD" });
  if (!response.ok) throw new KeyedError("worker.wasmMissing", { status: response.status });
  if (!servedAsNeeded(WASM_URL, response)) {
    throw new KeyedError("worker.wasmType", { type: response.headers.get("content-type") || "" });
  }
}

// Pyodide 0.27 only logs a .wasm that does not compile (cut off, damaged) and then waits for ever:
// `failed` rejects as soon as a compile fails, until stop().
function wasmFailures() {
  const originals = { instantiate: WebAssembly.instantiate, instantiateStreaming: WebAssembly.instantiateStreaming };
  const failed = new Promise((_, reject) => {
    for (const [name, original] of Object.entries(originals)) {
      WebAssembly[name] = (...args) =>
        original.apply(WebAssembly, args).catch((error) => {
          reject(error);
          throw error;
        });
    }
  });
  failed.catch(() => {}); // (reported through the race in boot)
  return { failed, stop: () => Object.assign(WebAssembly, originals) };
}

async function boot() {
  const timings = {}; // seconds from the worker's start to the end of each phase (for the benchmark)
  const done = (phase) => (timings[phase] = performance.now() / 1000);
  status("python", 5);
  // Fetch what Python needs later while Python itself loads.
  const manifestPromise = fetch(DATA_URL + "manifest.json").then((r) => {
    if (!r.ok) throw new KeyedError("worker.manifest", { status: r.status });
    return r.json();
  });
  const modelPromise = manifestPromise.then((m) => fetchBytes(m.pretrained.file));
  modelPromise.catch(() => {}); // reported when awaited below
  // `packages` lets Pyodide fetch the wheels while the runtime starts. checkRuntime looks at the
  // runtime meanwhile, and fails at once where loadPyodide would hang.
  const wasm = wasmFailures();
  const runtimeChecked = checkRuntime();
  try {
    [pyodide] = await Promise.race([
      Promise.all([
        loadPyodide({ indexURL: PYODIDE_URL, lockFileURL: PYODIDE_URL + "pyodide-lock.json", packages: ["pycore"] }),
        runtimeChecked,
      ]),
      wasm.failed.catch(async (error) => {
        await runtimeChecked; // (a .wasm of the wrong type fails to compile too: checkRuntime says so exactly)
        throw error;
      }),
    ]);
  } finally {
    wasm.stop();
  }
  done("python");
  if (copies) keepScriptsOnceLoaded(); // (if no fetch came after the script ran)
  const missing = REQUIRED_PACKAGES.filter((n) => !(n in pyodide.loadedPackages));
  if (missing.length) throw new KeyedError("worker.packages", { names: missing });
  status("model", 80);
  manifest = await manifestPromise;
  for (const entry of [...Object.values(manifest.data), ...Object.values(manifest.data_all), manifest.pretrained_all]) {
    if (entry && entry.file) fileSizes[entry.file] = entry.size;
  }
  const app = pyodide.pyimport("pycore.app");
  session = app.Session();
  config = toJs(app.page_config());
  userErrors = new Set(config.user_errors);
  app.destroy();
  done("import");
  const model = toJs(session.load_model(await modelPromise, "pretrained"));
  done("model");
  // "ready" means that Python starts offline next time: its copies are written (almost always already)
  if (copies) {
    status("copies", 95);
    await copies.written(COPIES_WAIT_MS);
  }
  done("copies");
  status("setup", 100); // (the page sets itself up, then says "ready")
  return { model, manifest, config, timings };
}

// Pillow (drawings and image files are read with it) loads after "ready", when the page asks
// (load-pillow) once its form is whole: Python is usable sooner, the page's first answers do not wait
// behind its loading (which blocks the worker for about 40 ms here), and a drawing's first prediction
// waits for it at most its loading time (about 0.2 s in Chromium here).
async function loadPillow() {
  const errors = [];
  try {
    await pyodide.loadPackage(["pillow"], { messageCallback: () => {}, errorCallback: (text) => errors.push(text) });
  } catch (error) {
    errors.push(String(error));
  }
  if (!("Pillow" in pyodide.loadedPackages)) {
    console.warn(errors.join("\n"));
    throw new KeyedError("worker.pillow");
  }
}

function startPillow() {
  pillowLoading = true;
  pillow = loadPillow();
  const settled = () => {
    pillowLoading = false;
  };
  pillow.then(settled, settled); // (a failure is reported to the requests that need it)
}

// Wait for Pillow before `request` (see PILLOW for what `need` does). While a drawing waits for a
// load under way (a slow connection), the page is told, so that it can say so.
async function pillowFor(need, request) {
  if (!pillow) startPillow();
  const waiting = () => postMessage({ type: "pillow-wait", request });
  if (need !== "may" && pillowLoading) waiting();
  const loading = pillow;
  try {
    return await loading;
  } catch (error) {
    if (need === "may") return;
    if (need === "loaded") throw error;
    if (pillow === loading) startPillow(); // (the connection may be back; not already tried again by another request)
    waiting();
  }
  await pillow;
}

const NEEDS = { // message keys: what needs the data, and what it needs
  train: { action: "need.train.action", what: "need.train.what" },
  test: { action: "need.test.action", what: "need.test.what" },
  all: { action: "need.all.action", what: "need.all.what" },
};

function loadData(part) {
  if (allDigits) return allDigits; // all of MNIST holds the 0–2 images too, in the same order
  if (!dataLoads[part]) {
    dataLoads[part] = (async () => {
      const files = [manifest.data[`${part}_images`].file, manifest.data[`${part}_labels`].file];
      const [images, labels] = await fetchFiles(files, NEEDS[part]);
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
      const [trainImages, trainLabels, testImages, testLabels] = await fetchFiles(files, NEEDS.all, report);
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
  const t = [performance.now()];
  await Promise.all([loadData("train"), loadData("test")]);
  t.push(performance.now());
  const pySettings = pyodide.toPy(settings);
  let started;
  try {
    started = toJs(session.start_training(pySettings));
  } finally {
    pySettings.destroy();
  }
  postMessage({ type: "started", started });
  t.push(performance.now());
  let steps = 1; // grows (or shrinks) so that a chunk takes CHUNK_TARGET_MS: no call blocks the worker for long
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
      postMessage({ type: "weights", weights: toJs(session.weight_tiles("training")) });
    }
    if (progress.state !== "running") break;
    steps = Math.max(1, Math.min(5000, Math.round((steps * CHUNK_TARGET_MS) / Math.max(ms, 1))));
  }
  t.push(performance.now());
  const finished = toJs(session.finish_training(heartbeat));
  const evaluation = finished.dropped === undefined ? finished : null;
  const dropped = evaluation ? "" : finished.dropped;
  t.push(performance.now());
  const seconds = (i) => (t[i + 1] - t[i]) / 1000;
  const timings = { data_s: seconds(0), setup_s: seconds(1), loop_s: seconds(2), evaluate_s: seconds(3) };
  return { started, progress, evaluation, dropped, timings };
}

// Python starts loading as soon as the worker does; the page's "boot" request waits for it.
// (offline, a file of Python's that was not kept yet cannot load: fetch and import fail with a
// TypeError, a wheel that did not load is named by worker.packages. Online, the files that did not
// arrive as built are named: the runtime's own errors would not say which.)
const booting = boot().catch(async (error) => {
  const missing = error instanceof TypeError || error.key === "worker.packages";
  if (!navigator.onLine && missing) throw new KeyedError("worker.offlineFiles");
  // (the worker's own errors name their file already but a package's; RangeError: out of memory)
  if ((error instanceof KeyedError && error.key !== "worker.packages") || error instanceof RangeError) throw error;
  const signal = AbortSignal.timeout(DAMAGED_CHECK_MS);
  const damaged = await damagedFiles(plainFetch, signal, (url) => asked.has(url));
  if (!damaged.length) throw error;
  // not kept on this device, and fetched again from the server: a reload gets the server's files
  await (copies ? copies.drop(damaged, COPIES_WAIT_MS) : deleteCopiesOf(damaged));
  await fetchAgain(plainFetch, damaged, signal);
  throw await notAsBuilt(damaged);
});
booting.catch(() => {}); // reported to the "boot" request

const handlers = {
  boot: () => booting,
  "forget-copies": () => (copies ? copies.forget().catch(() => {}) : null),
  "load-pillow": () => ({}), // (answered once Pillow's load is over: see PILLOW)
  async predict({ rgba, width, height }) {
    return toJs(session.predict_rgba(rgba, width, height));
  },
  train,
  async describe({ settings }) {
    const pySettings = pyodide.toPy(settings);
    try {
      return toJs(session.describe(pySettings));
    } finally {
      pySettings.destroy();
    }
  },
  async stop() {
    stopRequested = true;
    return {};
  },
  async evaluate() {
    await loadData("test");
    return toJs(session.evaluate(null, heartbeat));
  },
  async "set-mode"({ mode }) {
    if (!Object.hasOwn(config.modes, mode)) throw new KeyedError("worker.unknownMode", { mode: String(mode).slice(0, 20) });
    const slot = config.modes[mode].pretrained;
    if (mode === "0-9") {
      await loadAllDigits();
      if (!toJs(session.model_info()).slots.includes(slot)) {
        const [bytes] = await fetchFiles([manifest.pretrained_all.file], NEEDS.all);
        toJs(session.add_model(bytes, slot));
      }
    }
    return toJs(session.switch_mode(slot));
  },
  async weights() {
    return toJs(session.weight_tiles());
  },
  // Python's WebAssembly memory: it grows when Python needs more and never shrinks (read by the benchmark).
  async memory() {
    return { wasm_heap_bytes: pyodide._module.HEAP8.length };
  },
  async "use-model"({ slot }) {
    return toJs(session.use_model(slot));
  },
  async "load-model"({ bytes, name = null }) {
    return toJs(session.load_model(bytes, "trained", name));
  },
  async "model-bytes"() {
    return { bytes: toJs(session.model_bytes()), info: toJs(session.model_info()) };
  },
  async source({ kind, name }) {
    return toJs(session.source_code(kind, name));
  },
  async "lab-run"({ code }) {
    return toJs(session.run_lab(code));
  },
  async "lab-check"({ kind, name }) {
    return toJs(session.check_gradients(kind, name));
  },
  // One step, watched, on a copy of the current model: training image `index` of the mode, or the
  // drawing (`rgba`, `width`, `height`) with its `label`. With `preview`: only that training image.
  async "one-step"({ settings, index = null, rgba = null, width = null, height = null, label = null, preview = false }) {
    if (index !== null) await loadData("train");
    const pySettings = pyodide.toPy(settings);
    try {
      if (preview) return toJs(session.training_image(pySettings, index));
      return toJs(session.one_step.callKwargs(pySettings, { index, rgba, width, height, label }));
    } finally {
      pySettings.destroy();
    }
  },
};

// Called by Python between batches of a long computation (checking every test image): the page
// hears that the worker is alive even though it cannot answer a ping until the call returns.
const heartbeat = () => postMessage({ type: "pong" });

// What to reply for an error: {error: text, key, params}. A pycore error carries its message key
// and parameters (pycore.messages); the worker's own errors too (KeyedError).
function describe(error) {
  if (error instanceof KeyedError) return { error: error.key, key: error.key, params: error.params };
  const python = Boolean(error && error.type);
  // read for every Python error: it also lets go of the error's traceback (and the arrays its frames hold)
  const keyed = python ? lastPythonMessage() : null;
  if (python && !userErrors.has(error.type)) {
    const lab = labTraceback(String(error.message)); // the visitor's Lab code failed: its own lines
    if (lab) return { error: lab.text, key: lab.key, params: lab.params };
  }
  const text = errorText(error);
  if (keyed && userErrors.has(error.type)) return { error: text, key: keyed.key, params: keyed.params };
  if (text.startsWith("unexpected ")) {
    return { error: text, key: "worker.unexpected", params: { error: text.slice("unexpected ".length) } };
  }
  return { error: text };
}

// The message key and parameters of the pycore error just raised (Pyodide keeps it as sys.last_exc).
function lastPythonMessage() {
  try {
    return toJs(pyodide.pyimport("pycore.messages").last_error());
  } catch {
    return null;
  }
}

// Python errors arrive as PythonError with the whole traceback. A pycore error (a bad file, a
// setting out of range) is meant for people: show its message. Anything else is a bug: keep its
// type in the message and log the traceback to the console.
function errorText(error) {
  const text = String(error && error.message ? error.message : error);
  const lines = text.trim().split("\n");
  const last = lines[lines.length - 1];
  if (error && error.type) {
    if (userErrors.has(error.type)) {
      // the message may span lines (a Lab traceback): all that follows "pycore.x.Type: "
      const head = text.match(new RegExp(`(?:^|\\n)[\\w.]*\\b${error.type}: `, "g"));
      return head ? text.slice(text.lastIndexOf(head[head.length - 1]) + head[head.length - 1].length).trim() : last;
    }
    console.error(text); // (a Lab traceback never gets here: describe() says it first)
    return `unexpected ${last}`;
  }
  return last;
}

// The part of a traceback that is in the Lab's code, as a message {key, params, text}, or null
// (pycore.lab knows its file name).
function labTraceback(text) {
  if (!pyodide) return null;
  try {
    return toJs(pyodide.pyimport("pycore.lab").explain_traceback(text)) || null;
  } catch {
    return null;
  }
}

// After a Pyodide fatal error every later call fails: the page must start a new worker.
// Pyodide marks the error of a fatal failure (pyodide_fatal_error); later calls say "fatally failed".
const isFatal = (error) =>
  Boolean(error && error.pyodide_fatal_error) || /fatally failed|fatal error/i.test(String(error && error.message));

const ANYTIME = new Set(["boot", "stop", "forget-copies"]); // the requests that need no Python

self.onmessage = async (event) => {
  const { id, type, args } = event.data;
  if (type === "ping") {
    postMessage({ type: "pong" });
    return;
  }
  const handler = Object.hasOwn(handlers, type) ? handlers[type] : null; // (not an Object method)
  try {
    if (!handler) throw new KeyedError("worker.unknownRequest", { type: String(type) });
    if (!ANYTIME.has(type) && !session) throw new KeyedError("worker.loading");
    const pillowNeed = Object.hasOwn(PILLOW, type) ? PILLOW[type](args || {}) : null;
    if (pillowNeed) await pillowFor(pillowNeed, type);
    const result = await handler(args || {});
    const transfer = [];
    if (result && result.bytes instanceof Uint8Array) transfer.push(result.bytes.buffer);
    postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    let reply;
    try {
      reply = describe(error);
    } catch (bug) { // describing must never leave the page waiting for an answer
      console.error(bug);
      reply = { error: `unexpected ${error}`, key: "worker.unexpected", params: { error: String(error) } };
    }
    if (isFatal(error)) postMessage({ type: "fatal", reason: message("worker.fatal", { error: reply.error }) });
    postMessage({ id, ok: false, ...reply });
  }
};
