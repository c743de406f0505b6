// Start-up and wiring: which module does what, and which controls are usable. The worker's life
// is in worker-life.js, the Digits mode in modes.js, each panel in its own module.
import { LossChart } from "./chart.js";
import { CodePanel } from "./code-panel.js";
import { languageSwitch, msg, onLanguageChange, startLanguage } from "./i18n.js";
import { refreshWeights, showWeights } from "./inside.js";
import { LabPanel } from "./lab.js";
import { copyLink, restoreLink } from "./link.js";
import { readyStatus, switchMode } from "./modes.js";
import { ModelsPanel } from "./models.js";
import { PredictionPanel } from "./prediction.js";
import { evaluateModel, showEvaluation } from "./results.js";
import { SettingsForm } from "./settings.js";
import { StepView } from "./step-view.js";
import { registerServiceWorker } from "./sw-register.js";
import { TrainingPanel } from "./training.js";
import { $, errorMessage, offerUpdate, READY, setStatus, showMessage } from "./ui.js";
import { WorkerLife } from "./worker-life.js";

class App {
  constructor() {
    this.ready = false;
    this.training = false;
    this.linkPending = false; // a link opened while Python loaded or a run went on: applied once idle
    this.linkRestores = Promise.resolve(); // links are restored one after another (the last one wins)
    this.mode = "0-2";
    this.modes = {}; // from Python's page config in the boot reply
    this.limits = {};
    this.prediction = new PredictionPanel(this);
    this.settings = new SettingsForm({ describe: (settings) => this.describe(settings) });
    this.models = new ModelsPanel(this, () => this.modelChanged());
    this.trainingPanel = new TrainingPanel(this, new LossChart($("loss-chart")), (ev) => this.runFinished(ev));
    this.stepView = new StepView(this);
    this.life = new WorkerLife(this);
    this.code = new CodePanel(this);
    this.lab = new LabPanel(this);
    languageSwitch($("language"));
    onLanguageChange(() => this.trainingPanel.languageChanged());
    $("settings").addEventListener("submit", (e) => {
      e.preventDefault();
      this.train();
    });
    $("evaluate").addEventListener("click", () => evaluateModel(this.worker));
    $("mode").addEventListener("change", (e) => switchMode(this, e.target.value));
    $("copy-link").addEventListener("click", () => copyLink(this.mode, this.settings, this.lab));
    window.addEventListener("hashchange", () => this.linkChanged()); // a link pasted into this tab
    this.updateControls();
    performance.mark("drawing-ready");
    this.life.start(); // (adopts the worker that worker-start.js started)
    registerServiceWorker(() => this.worker, offerUpdate);
  }

  get lastRun() {
    return this.trainingPanel.lastRun; // read by the benchmark
  }

  modeClasses() {
    return this.modes[this.mode].classes;
  }

  /** The worker booted (first start or restart): set up the form, mode and model, then go. */
  async onReady({ model, manifest, config, timings }) {
    this.bootTimings = timings; // read by the benchmark
    const restarting = this.models.slot !== undefined;
    const slotBefore = this.models.slot; // after a restart: the model that was in use
    this.modes = config.modes;
    this.limits = config.limits;
    for (const mode of Object.values(this.modes)) mode.max_samples = manifest[mode.data].train_count;
    if (restarting) config.choices = (await this.lab.reregister()) || config.choices; // the Lab's components again
    const dropped = this.settings.configure(config);
    if (dropped.length) showMessage("settings-message", msg("settings.droppedAfterRestart", { names: dropped }));
    this.code.configure(config.code_sections);
    this.lab.configure(config.lab, config.choices);
    this.settings.setMode(this.mode);
    if (!restarting) this.settings.applyModeDefaults();
    this.models.show(model);
    await this.models.restoreSaved(restarting);
    if (this.mode !== "0-2") await switchMode(this, this.mode, { restoring: true });
    if (slotBefore && slotBefore !== this.models.slot && !this.worker.dead) {
      await this.worker.request("use-model", { slot: slotBefore }).then((info) => this.models.show(info), () => {});
    }
    await this.settings.showShape(); // the form is whole when "ready" is said: nothing moves after it
    if (this.worker.dead) return;
    this.ready = true; // (the form's fields are checked only while enabled: a link's are)
    if (!restarting) this.linkPending = false; // (the link in the address now is restored below)
    $("load-progress").hidden = true;
    refreshWeights(this.worker);
    this.updateControls();
    if (!restarting) this.prediction.showRows(); // (laid out before "ready": a drawing's answer fills them in)
    if (!restarting) await this.restoreLink({ beforeReady: true }); // (its mode and settings: nothing moves after "ready")
    if (this.worker.dead) return;
    this.prediction.predict();
    // unless something else is under way or was said meanwhile: a run or a mode switch started in those
    // milliseconds, or a link's mode that could not be switched to
    const said = $("status").dataset.kind === "error";
    if (this.ready && !this.training && !said) setStatus(this.mode === "0-2" ? READY : readyStatus(this.mode), "ready");
    performance.mark("python-ready");
    this.worker.request("load-pillow").catch(() => {}); // (drawings are read with it; see worker.js)
  }

  /** The network `settings` give, as Python counts it; once the worker booted (a worker that is not
   * there, or stops meanwhile, gives an empty text: the status line says what happened). */
  describe(settings) {
    const worker = this.worker;
    if (!worker?.booted || worker.dead) return Promise.reject(new Error(""));
    return worker.request("describe", { settings }).catch((error) => {
      throw worker.dead ? new Error("") : error;
    });
  }

  /** Restore the link in the address once the restores under way are done (each one awaits Python). */
  restoreLink(options = {}) {
    this.linkRestores = this.linkRestores.then(() => restoreLink(this, options)).catch((error) => console.error(error));
    return this.linkRestores;
  }

  onWorkerEvent(event) {
    if (event.type === "status" && !this.ready) {
      $("load-progress").value = event.percent;
      setStatus(msg(`boot.${event.stage}`, { percent: event.percent }));
    } else if (event.type === "started") {
      this.trainingPanel.onStarted(event.started);
    } else if (event.type === "progress") {
      this.trainingPanel.onProgress(event.progress);
    } else if (event.type === "data-progress") {
      $("load-progress").hidden = false;
      $("load-progress").value = event.percent;
      setStatus(msg("status.fetchingAll", { percent: event.percent }), "busy");
    } else if (event.type === "pillow-wait" && event.request === "predict") {
      this.prediction.waitingForPillow();
    } else if (event.type === "weights") {
      showWeights(event.weights);
    }
  }

  /** Enable what can be used now: nothing before Python is ready, only Stop while training. */
  updateControls() {
    const busy = !this.ready || this.training;
    for (const id of ["train", "evaluate", "mode", "copy-link"]) $(id).disabled = busy || this.lab.running;
    this.lab.setDisabled(busy);
    $("step-run").disabled = busy || this.stepView.busy; // one step waits for Python and for a run to end
    this.settings.setDisabled(busy);
    this.models.setDisabled(busy);
    $("stop").disabled = !this.training;
    if (this.linkPending && !busy) { // (idle again: the link opened meanwhile)
      this.linkPending = false;
      this.restoreLink();
    }
  }

  setTraining(training) {
    this.training = training;
    this.updateControls();
  }

  train() {
    try {
      const settings = this.settings.read();
      showMessage("settings-message", "");
      this.trainingPanel.train(settings);
    } catch (error) {
      showMessage("settings-message", errorMessage(error));
    }
  }

  runFinished(evaluation) {
    if (evaluation) {
      showEvaluation(evaluation);
      this.models.show(evaluation.model);
      this.models.saveCurrent();
    }
    this.modelChanged(); // the current model: the run's, or the one from before a dropped run
  }

  /** A link opened in this tab (only its fragment changed, so nothing reloaded): restore it now,
   * or say how once Python is ready and no run is going. */
  linkChanged() {
    this.linkPending = !this.ready || this.training; // (applied by updateControls once they are not)
    if (!this.linkPending) this.restoreLink();
    else showMessage("settings-message", msg("link.later"));
  }

  /** The Lab registered new components: a saved model that needed them can be restored now. */
  async onLabRun() {
    if (!this.models.restoreFailed) return;
    await this.models.restoreSaved(false, true);
    if (!this.models.restoreFailed) this.modelChanged();
  }

  modelChanged() {
    refreshWeights(this.worker);
    this.prediction.predict();
  }
}

if (location.protocol !== "file:") {
  startLanguage(); // before anything paints: the page's own text in the visitor's language
  window.digitsApp = new App();
}
