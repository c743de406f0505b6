// Wiring and state: the page's controls, the drawing pad, the chart and the Python worker.
import { DrawingPad, paintDigit } from "./canvas.js";
import { LossChart } from "./chart.js";
import { paintWeightTiles, renderActivations } from "./inside.js";
import { forgetModel, loadModel, saveModel } from "./storage.js";
import { $, formatDuration, formatScore, renderConfusion, renderScores, setStatus, showMessage } from "./ui.js";
import { WorkerClient } from "./worker-client.js";

const BOOT_TIMEOUT_MS = 90_000; // loading Python should take seconds; after this, say so
// ?boot-timeout-ms=N shortens it (the tests use this to check the message without waiting).
const bootTimeout = () => Number(new URLSearchParams(location.search).get("boot-timeout-ms")) || BOOT_TIMEOUT_MS;
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
const SEED_SETTINGS = {
  samples: 5000, epochs: 1, batch_size: 1, optimizer: "momentum", lr: 0.01, lr_schedule: "constant", seed: 0,
  loss: "mse", label_smoothing: 0, init: "normal", dtype: "float64", shuffle: false,
};
// The "best" preset for 0, 1, 2: every training image, softmax + cross-entropy with label
// smoothing, He weights, Adam with a learning rate falling to 0, float32 (see README).
const BEST_SETTINGS = {
  samples: 18623, epochs: 2, batch_size: 32, optimizer: "adam", lr: 0.002, lr_schedule: "linear", seed: 0,
  loss: "softmax_ce", label_smoothing: 0.1, init: "he", dtype: "float32", shuffle: true,
};
// The 0–9 mode: all of MNIST, 784-500-100-10 with softmax + cross-entropy, mini-batches and Adam.
const TEN_DIGIT_SETTINGS = {
  samples: 60000, epochs: 2, batch_size: 100, optimizer: "adam", lr: 0.004, lr_schedule: "linear", seed: 0,
  loss: "softmax_ce", label_smoothing: 0.1, init: "he", dtype: "float32", shuffle: true,
};
const MODES = {
  "0-2": { classes: [0, 1, 2], maxSamples: 18623, settings: SEED_SETTINGS,
           hint: "The default is the seed experiment: 5000 MNIST images of 0, 1 and 2, one per step, Momentum, fresh random weights." },
  "0-9": { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], maxSamples: 60000, settings: TEN_DIGIT_SETTINGS,
           hint: "All ten digits: 60,000 MNIST images, 2 epochs in mini-batches of 100, Adam with a falling learning rate, softmax + cross-entropy with label smoothing 0.1, fresh He weights, float32." },
};
const SLOT_LABELS = { pretrained: "Pretrained 0–2 (seed experiment)", "pretrained-0-9": "Pretrained 0–9", trained: "Trained here" };
const NUMBER_FIELDS = ["samples", "epochs", "batch_size", "lr", "seed", "label_smoothing"];
const FRACTION_FIELDS = ["lr", "label_smoothing"]; // the other number fields are whole numbers
const GALLERY_BATCH = 8; // gallery images drawn per task

/** A short description of a run's settings, for the legend of overlaid runs. */
function runLabel(s) {
  const schedule = s.lr_schedule === "linear" ? "→0" : "";
  const smoothing = s.label_smoothing ? ` · smoothing ${s.label_smoothing}` : "";
  const init = s.init === "he" ? " · He" : "";
  return `${s.samples}×${s.epochs} · batch ${s.batch_size} · ${s.optimizer} lr ${s.lr}${schedule} · ${s.loss}${smoothing}${init} · ${s.dtype}`;
}

class App {
  constructor() {
    this.ready = false;
    this.training = false;
    this.lastRun = null; // the last finished run: settings, steps, seconds, test accuracy
    this.mode = "0-2";
    this.predicting = false; // one prediction in flight at a time
    this.predictAgain = false;
    this.drawing = 0; // bumped on every change to the drawing: a reply for an older one is dropped
    this.shownPredictions = 0; // on the prediction element as data-seq, for tests to wait on
    this.chart = new LossChart($("loss-chart"));
    this.pad = new DrawingPad($("draw-canvas"), {
      onStrokeEnd: () => {
        this.drawing++;
        this.strokeEndAt = performance.now(); // for the stroke-to-prediction measure
        this.predict();
      },
      onDraw: () => {
        this.drawing++;
        this.predict();
      },
    });
    this.bindControls();
    performance.mark("drawing-ready");
    serviceWorkerControl().then(() => this.startWorker());
  }

  // ---- start-up ------------------------------------------------------------------------
  startWorker() {
    setStatus("Loading Python 0 %");
    $("restart").hidden = true;
    this.bootFailed = false;
    const worker = new WorkerClient(
      new URL("./worker.js", import.meta.url),
      (event) => this.onWorkerEvent(event),
      (reason) => this.onWorkerDeath(worker, reason),
    );
    this.worker = worker;
    this.bootTimer = setTimeout(() => {
      if (!this.ready) {
        this.fail(
          "loading Python is taking too long. Check your connection and reload; if you serve the site yourself, " +
            "make sure .wasm files are served as application/wasm.",
        );
        worker.terminate();
      }
    }, bootTimeout());
    worker
      .request("boot")
      .then((result) => this.onReady(result))
      .catch((error) => {
        if (!this.bootFailed && !worker.dead) this.fail(`Python could not start: ${error.message}. Reload the page to try again.`);
      });
  }

  async onReady({ model, manifest, timings }) {
    clearTimeout(this.bootTimer);
    this.bootTimings = timings; // read by the benchmark
    this.manifest = manifest;
    this.worker.watch();
    const slotBefore = this.slot; // after a restart: the model that was in use
    this.showModel(model);
    await this.restoreSavedModel(slotBefore !== undefined);
    if (this.mode !== "0-2") await this.setMode(this.mode, { restoring: true });
    if (slotBefore && slotBefore !== this.slot && !this.worker.dead) {
      await this.worker.request("use-model", { slot: slotBefore }).then((info) => this.showModel(info), () => {});
    }
    this.ready = true;
    $("load-progress").value = 100;
    $("load-progress").hidden = true;
    this.refreshWeights();
    this.setIdle();
    setStatus("Python is ready: draw a digit, or train the network.", "ready");
    performance.mark("python-ready");
    if (!this.pad.isEmpty) this.predict();
  }

  // The worker died (killed, out of memory, a Pyodide fatal error, no answer to a ping): say so
  // and offer Restart, which starts a new worker with the same Digits mode and model.
  onWorkerDeath(worker, reason) {
    if (worker !== this.worker) return;
    clearTimeout(this.bootTimer);
    this.ready = false;
    this.training = false;
    setStatus(`Python stopped: ${reason}. Restart it to go on; your drawing and saved model are kept.`, "error");
    $("restart").hidden = false;
    this.setIdle();
  }

  restart() {
    this.worker.terminate();
    this.ready = false;
    this.setIdle();
    this.startWorker();
  }

  onWorkerEvent(event) {
    if (event.type === "status" && !this.ready) {
      $("load-progress").value = event.percent;
      setStatus(`${event.text} ${event.percent} %`);
    } else if (event.type === "progress") {
      this.onProgress(event.progress);
    } else if (event.type === "data-progress") {
      $("load-progress").hidden = false;
      $("load-progress").value = event.percent;
      setStatus(`Fetching all of MNIST ${event.percent} %`, "busy");
    } else if (event.type === "weights") {
      paintWeightTiles($("weights-grid"), event.weights);
    }
  }

  fail(message) {
    clearTimeout(this.bootTimer);
    if (!this.ready) this.bootFailed = true;
    setStatus(`Error: ${message}`, "error");
    $("restart").hidden = false;
    this.training = false;
    this.setIdle();
  }

  // ---- controls ------------------------------------------------------------------------
  bindControls() {
    $("clear").addEventListener("click", () => {
      this.drawing++;
      this.pad.clear();
      this.showNothingDrawn();
    });
    $("undo").addEventListener("click", () => {
      this.drawing++;
      this.pad.undo();
      if (this.pad.isEmpty) this.showNothingDrawn();
      else this.predict();
    });
    $("restart").addEventListener("click", () => this.restart());
    $("settings").addEventListener("submit", (e) => {
      e.preventDefault();
      this.train();
    });
    $("stop").addEventListener("click", () => this.stop());
    $("reset-settings").addEventListener("click", () => this.applySettings(MODES[this.mode].settings));
    $("preset-best").addEventListener("click", () => this.applySettings(BEST_SETTINGS));
    $("export-csv").addEventListener("click", () => this.exportCsv());
    $("evaluate").addEventListener("click", () => this.evaluate());
    $("model-select").addEventListener("change", (e) => this.useModel(e.target.value));
    $("mode").addEventListener("change", (e) => this.setMode(e.target.value));
    $("model-download").addEventListener("click", () => this.downloadModel());
    $("model-upload").addEventListener("change", (e) => this.uploadModel(e.target));
    $("model-forget").addEventListener("click", () => this.forgetSaved());
    this.setIdle();
  }

  setIdle() {
    const busy = !this.ready || this.training;
    const ids = ["train", "reset-settings", "preset-best", "evaluate", "model-select", "model-download", "model-upload", "mode"];
    for (const id of ids) {
      $(id).disabled = busy;
    }
    for (const el of $("settings").querySelectorAll("input, select")) el.disabled = busy;
    $("preset-best").disabled = busy || this.mode !== "0-2"; // the best preset is for 0, 1, 2
    $("stop").disabled = !this.training;
  }

  applySettings(values) {
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === "boolean") $(name).checked = value;
      else $(name).value = String(value);
    }
    showMessage("settings-message", "");
  }

  readSettings() {
    const settings = {
      optimizer: $("optimizer").value,
      lr_schedule: $("lr_schedule").value,
      loss: $("loss").value,
      init: $("init").value,
      dtype: $("dtype").value,
      shuffle: $("shuffle").checked,
      classes: MODES[this.mode].classes,
    };
    for (const name of NUMBER_FIELDS) {
      const input = $(name);
      const value = Number(input.value);
      if (input.value === "" || !Number.isFinite(value) || !input.checkValidity()) {
        const label = input.closest("label").firstChild.textContent.trim();
        throw new Error(`${label}: enter a number between ${input.min || "0"} and ${input.max || "any"}.`);
      }
      settings[name] = FRACTION_FIELDS.includes(name) ? value : Math.round(value);
    }
    return settings;
  }

  // ---- drawing and prediction -------------------------------------------------------------
  async predict() {
    if (!this.ready) return; // drawing works before Python is ready; onReady predicts then
    if (this.predicting) {
      this.predictAgain = true;
      return;
    }
    if (this.pad.isEmpty) return this.showNothingDrawn();
    this.predicting = true;
    const strokeEnd = this.strokeEndAt;
    this.strokeEndAt = null;
    const drawing = this.drawing;
    try {
      const pixels = this.pad.pixels();
      const result = await this.worker.request("predict", pixels, [pixels.rgba.buffer]);
      if (drawing !== this.drawing) return; // the drawing changed meanwhile: this answer is stale
      if (result.empty) this.showNothingDrawn();
      else this.showPrediction(result);
      if (strokeEnd) requestAnimationFrame(() => performance.measure("stroke-to-prediction", { start: strokeEnd }));
    } catch (error) {
      if (!this.worker.dead) setStatus(`Error: ${error.message}`, "error");
    } finally {
      this.predicting = false;
      if (this.predictAgain) {
        this.predictAgain = false;
        this.predict();
      }
    }
  }

  showPrediction(result) {
    const prediction = $("prediction");
    prediction.dataset.seq = String(++this.shownPredictions);
    if (result.digit === null) {
      // outputs that are not finite numbers (a diverged model) give no answer
      prediction.textContent = "?";
      delete prediction.dataset.digit;
      prediction.title = "The model's outputs are not finite numbers, so it has no answer.";
    } else {
      prediction.textContent = String(result.digit);
      prediction.dataset.digit = String(result.digit);
      prediction.title = "";
    }
    renderScores(result.classes, result.scores, result.outputs);
    paintDigit($("preview"), result.image);
    renderActivations($("activations"), result.activations);
  }

  showNothingDrawn() {
    $("prediction").textContent = "–";
    $("prediction").dataset.seq = String(++this.shownPredictions);
    delete $("prediction").dataset.digit;
    $("scores").replaceChildren();
    $("activations").replaceChildren();
    paintDigit($("preview"), new Uint8Array(784));
  }

  // ---- training ------------------------------------------------------------------------------
  async train() {
    let settings;
    try {
      settings = this.readSettings();
    } catch (error) {
      showMessage("settings-message", error.message);
      return;
    }
    showMessage("settings-message", "");
    this.training = true;
    this.setIdle();
    const samples = Math.min(settings.samples, MODES[this.mode].maxSamples);
    this.chart.reset(Math.ceil(samples / settings.batch_size) * settings.epochs);
    setStatus("Training: fetching the MNIST training images…", "busy");
    try {
      const { progress, evaluation, timings } = await this.worker.request("train", { settings });
      const acc = evaluation ? `, ${(100 * evaluation.accuracy).toFixed(2)} %` : "";
      this.chart.keepAsOverlay(runLabel(settings) + acc);
      this.renderLegend();
      $("export-csv").disabled = this.chart.losses.length === 0;
      if (progress.state === "diverged") {
        setStatus(`Training stopped: ${progress.message} The model from before the run is kept.`, "error");
      } else if (!evaluation && progress.step > 0) {
        setStatus("Training ended with outputs that are not finite numbers; the model from before the run is kept. Try a smaller learning rate.", "error");
      } else if (progress.state === "stopped") setStatus(`Stopped after ${progress.step} of ${progress.total} steps. Python is ready.`, "ready");
      else setStatus(`Training done: ${progress.total} steps in ${formatDuration(progress.elapsed)}.`, "ready");
      // For the benchmark: seconds spent in training steps, and the test accuracy.
      this.lastRun = { settings, state: progress.state, steps: progress.step, elapsed: progress.elapsed,
                       accuracy: evaluation ? evaluation.accuracy : null, ...timings };
      if (evaluation) {
        this.showEvaluation(evaluation);
        this.showModel(evaluation.model);
        this.refreshWeights();
        this.saveTrained();
      }
    } catch (error) {
      if (!this.worker.dead) setStatus(`Error: ${error.message}`, "error");
    } finally {
      this.training = false;
      this.setIdle();
      if (!this.pad.isEmpty) this.predict();
    }
  }

  stop() {
    $("stop").disabled = true;
    setStatus("Stopping…", "busy");
    this.worker.request("stop").catch(() => {});
  }

  onProgress(p) {
    if (p.first_step === 0 && p.losses.length && this.chart.losses.length) this.chart.reset(p.total);
    this.chart.total = p.total;
    this.chart.push(p.losses, p.averages);
    $("step").textContent = String(p.step);
    $("loss-value").textContent = Number.isFinite(p.loss) ? p.loss.toPrecision(4) : "–";
    $("loss-avg").textContent = Number.isFinite(p.avg_loss) ? p.avg_loss.toPrecision(4) : "–";
    $("lr-now").textContent = Number.isFinite(p.lr) ? p.lr.toPrecision(3) : "–";
    $("speed").textContent = p.samples_per_sec ? Math.round(p.samples_per_sec).toLocaleString("en") : "–";
    const left = p.samples_per_sec > 0 ? ((p.total - p.step) * (p.elapsed / Math.max(1, p.step))) : NaN;
    $("eta").textContent = p.state === "running" ? formatDuration(left) : "0 s";
    $("train-progress").value = p.step / p.total;
    if (p.state === "running" && this.training) setStatus(`Training: step ${p.step} of ${p.total}`, "busy");
    if (p.state === "stopped") setStatus(`Stopped after ${p.step} of ${p.total} steps; checking the model on the test images…`, "busy");
  }

  // ---- results -------------------------------------------------------------------------------
  async evaluate() {
    setStatus("Checking the model on the test images…", "busy");
    try {
      this.showEvaluation(await this.worker.request("evaluate"));
      setStatus("Python is ready: draw a digit, or train the network.", "ready");
    } catch (error) {
      if (!this.worker.dead) setStatus(`Error: ${error.message}`, "error");
    }
  }

  renderLegend() {
    const legend = $("run-legend");
    legend.replaceChildren();
    this.chart.overlays.forEach((run, k) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = run.color;
      li.append(swatch, `${k === 0 ? "last run" : `run −${k}`}: ${run.label}`);
      legend.append(li);
    });
  }

  exportCsv() {
    const rows = ["step,loss,moving_average"];
    this.chart.losses.forEach((loss, i) => rows.push(`${i + 1},${loss},${this.chart.averages[i] ?? ""}`));
    const url = URL.createObjectURL(new Blob([rows.join("\n") + "\n"], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "training-log.csv";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async refreshWeights() {
    try {
      paintWeightTiles($("weights-grid"), await this.worker.request("weights"));
    } catch {
      // only a picture: the app works without it
    }
  }

  showEvaluation(ev) {
    const digits = (list) => list.join(", ");
    const missing = ev.classes.filter((c) => !ev.tested_classes.includes(c));
    let text = `${(100 * ev.accuracy).toFixed(2)} % (${ev.correct} of ${ev.total} test images of ${digits(ev.tested_classes)})`;
    if (missing.length) {
      text += ` — this model knows ${digits(ev.classes)}, but only the test images of ${digits(ev.tested_classes)} ` +
        "are loaded in this mode; switch Digits to 0–9 to check it on all of them";
    }
    $("test-accuracy").textContent = text;
    $("test-accuracy").dataset.accuracy = String(ev.accuracy);
    renderConfusion(ev.classes, ev.confusion);
    this.renderGallery($("gallery"), ev.gallery, ev.outputs);
    this.renderGallery($("mistakes"), ev.mistakes, ev.outputs);
    $("mistakes-label").textContent = ev.mistake_count
      ? `The ${ev.mistake_count} test images the model gets wrong${ev.mistake_count > ev.mistakes.length ? ` (the first ${ev.mistakes.length})` : ""}`
      : "The model gets every test image right.";
  }

  // Drawn a few items per task, so a long list never blocks the page for more than a moment.
  async renderGallery(list, items, outputs) {
    const token = (list.dataset.token = String(Number(list.dataset.token || 0) + 1));
    list.replaceChildren();
    for (let start = 0; start < items.length; start += GALLERY_BATCH) {
      if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
      if (list.dataset.token !== token) return; // a newer evaluation replaced this one
      for (const item of items.slice(start, start + GALLERY_BATCH)) list.append(galleryItem(item, outputs));
    }
  }

  // ---- models ---------------------------------------------------------------------------------
  showModel(info) {
    const select = $("model-select");
    const has = (slot) => [...select.options].some((o) => o.value === slot);
    for (const slot of info.slots) {
      if (!has(slot)) select.append(new Option(SLOT_LABELS[slot] || slot, slot));
    }
    select.value = info.slot;
    this.slot = info.slot;
    const acc = info.notes && Number.isFinite(info.notes.test_accuracy) ? `, ${(100 * info.notes.test_accuracy).toFixed(2)} % on test images` : "";
    $("model-info").textContent = `${info.sizes.join("-")}, ${info.outputs}${acc}`;
  }

  // Switch the Digits mode. `restoring`: after a restart, bring the new worker back to the mode
  // the page is in, without touching the form.
  async setMode(mode, { restoring = false } = {}) {
    const previous = this.mode;
    this.ready = false; // controls off while the data and model load
    this.setIdle();
    try {
      const info = await this.worker.request("set-mode", { mode });
      this.applyMode(mode);
      this.showModel(info);
      if (restoring) return;
      this.applySettings(MODES[mode].settings);
      this.refreshWeights();
      setStatus(`Python is ready: draw a digit, or train the network (${mode === "0-9" ? "all ten digits" : "0, 1 and 2"}).`, "ready");
      if (!this.pad.isEmpty) this.predict();
    } catch (error) {
      if (this.worker.dead) return;
      if (restoring) {
        this.applyMode("0-2");
        showMessage("model-message", `Could not go back to the 0–9 mode: ${error.message}`);
      } else {
        $("mode").value = previous;
        setStatus(`Error: could not switch to ${mode}: ${error.message}`, "error");
      }
    } finally {
      $("load-progress").hidden = true;
      if (!restoring && !this.worker.dead) {
        this.ready = true;
        this.setIdle();
      }
    }
  }

  applyMode(mode) {
    this.mode = mode;
    $("mode").value = mode;
    $("samples").max = String(MODES[mode].maxSamples);
    $("train-hint").textContent = MODES[mode].hint;
  }

  async useModel(slot) {
    try {
      this.showModel(await this.worker.request("use-model", { slot }));
      this.refreshWeights();
      showMessage("model-message", "");
      if (!this.pad.isEmpty) this.predict();
    } catch (error) {
      showMessage("model-message", error.message);
    }
  }

  async downloadModel() {
    try {
      const { bytes, info } = await this.worker.request("model-bytes");
      const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `digits-${info.slot}-${info.sizes.join("-")}.npz`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      showMessage("model-message", `Could not download the model: ${error.message}`);
    }
  }

  async uploadModel(input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      showMessage("model-message", `${file.name} is too big for a model (${file.size} bytes); the current model is unchanged.`);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const info = await this.worker.request("load-model", { bytes }, [bytes.buffer]);
      this.showModel(info);
      this.refreshWeights();
      const modeClasses = MODES[this.mode].classes;
      const other = info.classes.join() !== modeClasses.join();
      const hint = other
        ? ` It knows the digits ${info.classes.join(", ")}; the Digits mode is ${this.mode}, so ` +
          "drawings get its answer, but its test accuracy is checked only on the images this mode loads."
        : "";
      showMessage("model-message", `Loaded ${file.name}.${hint}`, "ok");
      this.saveTrained();
      if (!this.pad.isEmpty) this.predict();
    } catch (error) {
      showMessage("model-message", `Could not load ${file.name}: ${error.message}. The current model is unchanged.`);
    }
  }

  async saveTrained() {
    try {
      const { bytes, info } = await this.worker.request("model-bytes");
      await saveModel(bytes, info);
      $("model-forget").hidden = false;
    } catch {
      // Private windows may refuse IndexedDB: the model still works for this visit.
    }
  }

  async restoreSavedModel(afterRestart = false) {
    try {
      const saved = await loadModel();
      if (!saved) return;
      const info = await this.worker.request("load-model", { bytes: saved.bytes });
      this.showModel(info);
      $("model-forget").hidden = false;
      if (!afterRestart) showMessage("model-message", "Using your last trained model (kept from an earlier visit).", "ok");
    } catch (error) {
      showMessage("model-message", `Your saved model could not be restored (${error.message}); using the pretrained one.`);
    }
  }

  async forgetSaved() {
    try {
      await forgetModel();
      $("model-forget").hidden = true;
      showMessage("model-message", "The saved model is forgotten; it will not come back on the next visit.", "ok");
    } catch (error) {
      showMessage("model-message", `Could not forget the saved model: ${error.message || error}`);
    }
  }
}

function galleryItem(item, outputs) {
  const li = document.createElement("li");
  const wrong = item.label !== item.predicted;
  li.className = wrong ? "wrong" : "right";
  li.dataset.label = String(item.label);
  li.dataset.predicted = String(item.predicted);
  const canvas = document.createElement("canvas");
  paintDigit(canvas, item.image);
  canvas.setAttribute("aria-label", `test image ${item.index + 1}, a ${item.label}`);
  const text = document.createElement("span");
  text.textContent = wrong ? `✗ ${item.predicted}, is ${item.label}` : `✓ ${item.predicted}`;
  text.title = `${outputs}: ${item.scores.map((v) => formatScore(v, 2)).join(" ")}`;
  li.append(canvas, text);
  return li;
}

// Repeat visits and offline use: the service worker serves the site from its cache. On the first
// visit, wait (briefly) until it controls the page, so Python's files are fetched once, through it.
const SERVICE_WORKER_WAIT_MS = 3000;

async function serviceWorkerControl() {
  if (!("serviceWorker" in navigator)) return;
  try {
    navigator.serviceWorker.register("sw.js").catch(() => {}); // without it the app works, only slower
    if (navigator.serviceWorker.controller) return;
    await Promise.race([
      new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true })),
      new Promise((resolve) => setTimeout(resolve, SERVICE_WORKER_WAIT_MS)),
    ]);
  } catch {
    // Service workers can be unavailable (private windows, blocked): carry on without.
  }
}

if (location.protocol !== "file:") {
  window.digitsApp = new App();
}
