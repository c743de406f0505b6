// Start-up and wiring: the Python worker's life (boot, death, restart), the Digits mode, and
// which controls are usable. Each panel lives in its own module.
import { LossChart } from "./chart.js";
import { showWeights } from "./inside.js";
import { ModelsPanel } from "./models.js";
import { PredictionPanel } from "./prediction.js";
import { applyFields, copyLink, parseFragment, reportLink } from "./link.js";
import { showEvaluation } from "./results.js";
import { SettingsForm } from "./settings.js";
import { TrainingPanel } from "./training.js";
import { $, setStatus, showMessage } from "./ui.js";
import { serviceWorkerControl } from "./sw-register.js";
import { WorkerClient } from "./worker-client.js";

const BOOT_TIMEOUT_MS = 90_000; // loading Python should take seconds; after this, say so
// ?boot-timeout-ms=N shortens it (the tests use this to check the message without waiting).
const bootTimeout = () => Number(new URLSearchParams(location.search).get("boot-timeout-ms")) || BOOT_TIMEOUT_MS;
const READY = "Python is ready: draw a digit, or train the network.";

class App {
  constructor() {
    this.ready = false;
    this.training = false;
    this.mode = "0-2";
    this.modes = {}; // from Python's page config in the boot reply
    this.limits = {};
    this.prediction = new PredictionPanel(this);
    this.settings = new SettingsForm({
      describe: (settings) => (this.ready ? this.worker.request("describe", { settings }) : Promise.reject(new Error(""))),
    });
    this.models = new ModelsPanel(this, () => this.modelChanged());
    this.trainingPanel = new TrainingPanel(this, new LossChart($("loss-chart")), (ev) => this.runFinished(ev));
    $("settings").addEventListener("submit", (e) => {
      e.preventDefault();
      this.train();
    });
    $("evaluate").addEventListener("click", () => this.evaluate());
    $("mode").addEventListener("change", (e) => this.setMode(e.target.value));
    $("restart").addEventListener("click", () => this.restart());
    $("copy-link").addEventListener("click", () => this.copyLink());
    this.updateControls();
    performance.mark("drawing-ready");
    serviceWorkerControl().then(() => this.startWorker());
  }

  get lastRun() {
    return this.trainingPanel.lastRun; // read by the benchmark
  }

  modeClasses() {
    return this.modes[this.mode].classes;
  }

  // ---- the worker's life -----------------------------------------------------------------
  startWorker() {
    setStatus("Loading Python 0 %");
    $("restart").hidden = true;
    this.bootFailed = false;
    const worker = new WorkerClient(new URL("./worker.js", import.meta.url), (e) => this.onWorkerEvent(e), (reason) => this.onWorkerDeath(worker, reason));
    this.worker = worker;
    this.bootTimer = setTimeout(() => {
      if (this.ready) return;
      this.fail("loading Python is taking too long. Check your connection and reload; if you serve the site " +
        "yourself, make sure .wasm files are served as application/wasm.");
      worker.terminate();
    }, bootTimeout());
    worker.request("boot").then((result) => this.onReady(result)).catch((error) => {
      if (!this.bootFailed && !worker.dead) this.fail(`Python could not start: ${error.message}. Reload the page to try again.`);
    });
  }

  async onReady({ model, manifest, config, timings }) {
    clearTimeout(this.bootTimer);
    this.bootTimings = timings; // read by the benchmark
    this.worker.watch();
    const restarting = this.models.slot !== undefined;
    const slotBefore = this.models.slot; // after a restart: the model that was in use
    this.modes = config.modes;
    this.limits = config.limits;
    for (const mode of Object.values(this.modes)) mode.max_samples = manifest[mode.data].train_count;
    this.settings.configure(config);
    this.settings.setMode(this.mode);
    if (!restarting) this.settings.applyModeDefaults();
    this.models.show(model);
    await this.models.restoreSaved(restarting);
    if (this.mode !== "0-2") await this.setMode(this.mode, { restoring: true });
    if (slotBefore && slotBefore !== this.models.slot && !this.worker.dead) {
      await this.worker.request("use-model", { slot: slotBefore }).then((info) => this.models.show(info), () => {});
    }
    if (this.worker.dead) return;
    this.ready = true;
    $("load-progress").hidden = true;
    this.settings.showShape();
    this.refreshWeights();
    this.updateControls();
    setStatus(READY, "ready");
    performance.mark("python-ready");
    this.prediction.predict();
    if (!restarting) await this.applyLink();
  }

  /** Restore the experiment in the URL's fragment, if any (see link.js). */
  async applyLink() {
    const { mode, fields, problem } = parseFragment(location.hash);
    if (problem) return reportLink([], problem);
    if (mode === undefined && !fields.size) return;
    const ignored = [];
    if (mode !== undefined && !Object.hasOwn(this.modes, mode)) ignored.push(`mode (${String(mode).slice(0, 20)})`);
    else if (mode !== undefined && mode !== this.mode) await this.setMode(mode);
    const recipe = fields.get("recipe"); // the preset the link's run started from
    fields.delete("recipe");
    if (recipe !== undefined && this.modes[this.mode].presets.includes(recipe)) this.settings.preset = recipe;
    else if (recipe !== undefined) ignored.push(`recipe (${recipe.slice(0, 20)})`);
    ignored.push(...applyFields(this.settings, fields));
    this.settings.showShape();
    reportLink(ignored);
  }

  copyLink() {
    try {
      copyLink(this.mode, this.settings.read());
    } catch (error) {
      showMessage("settings-message", error.message);
    }
  }

  onWorkerEvent(event) {
    if (event.type === "status" && !this.ready) {
      $("load-progress").value = event.percent;
      setStatus(`${event.text} ${event.percent} %`);
    } else if (event.type === "started") {
      this.trainingPanel.onStarted(event.started);
    } else if (event.type === "progress") {
      this.trainingPanel.onProgress(event.progress);
    } else if (event.type === "data-progress") {
      $("load-progress").hidden = false;
      $("load-progress").value = event.percent;
      setStatus(`Fetching all of MNIST ${event.percent} %`, "busy");
    } else if (event.type === "weights") {
      showWeights(event.weights);
    }
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
    this.updateControls();
  }

  restart() {
    this.worker.terminate();
    this.ready = false;
    this.updateControls();
    this.startWorker();
  }

  fail(message) {
    clearTimeout(this.bootTimer);
    if (!this.ready) this.bootFailed = true;
    setStatus(`Error: ${message}`, "error");
    $("restart").hidden = false;
    this.training = false;
    this.updateControls();
  }

  // ---- controls ------------------------------------------------------------------------
  /** Enable what can be used now: nothing before Python is ready, only Stop while training. */
  updateControls() {
    const busy = !this.ready || this.training;
    for (const id of ["train", "evaluate", "mode", "copy-link"]) $(id).disabled = busy;
    this.settings.setDisabled(busy);
    this.models.setDisabled(busy);
    $("stop").disabled = !this.training;
  }

  setTraining(training) {
    this.training = training;
    this.updateControls();
  }

  train() {
    let settings;
    try {
      settings = this.settings.read();
    } catch (error) {
      showMessage("settings-message", error.message);
      return;
    }
    showMessage("settings-message", "");
    this.trainingPanel.train(settings);
  }

  runFinished(evaluation) {
    if (evaluation) {
      showEvaluation(evaluation);
      this.models.show(evaluation.model);
      this.models.saveCurrent();
    }
    this.refreshWeights(); // the current model's: the run's, or the one from before a dropped run
    this.prediction.predict();
  }

  modelChanged() {
    this.refreshWeights();
    this.prediction.predict();
  }

  async evaluate() {
    setStatus("Checking the model on the test images…", "busy");
    try {
      showEvaluation(await this.worker.request("evaluate"));
      setStatus(READY, "ready");
    } catch (error) {
      if (!this.worker.dead) setStatus(`Error: ${error.message}`, "error");
    }
  }

  async refreshWeights() {
    try {
      showWeights(await this.worker.request("weights"));
    } catch {
      // only a picture: the app works without it
    }
  }

  // Switch the Digits mode. `restoring`: after a restart, bring the new worker back to the mode
  // the page is in, without touching the form.
  async setMode(mode, { restoring = false } = {}) {
    const previous = this.mode;
    this.ready = false; // controls off while the data and model load
    this.updateControls();
    try {
      const info = await this.worker.request("set-mode", { mode });
      this.applyMode(mode);
      this.models.show(info);
      if (restoring) return;
      this.settings.applyModeDefaults();
      this.refreshWeights();
      setStatus(`${READY} (${mode === "0-9" ? "all ten digits" : "0, 1 and 2"})`, "ready");
      this.prediction.predict();
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
        this.updateControls();
        this.settings.showShape();
      }
    }
  }

  applyMode(mode) {
    this.mode = mode;
    $("mode").value = mode;
    this.settings.setMode(mode);
  }
}

if (location.protocol !== "file:") {
  window.digitsApp = new App();
}
