// Models: the model menu, download, upload, and the last trained model kept in IndexedDB.
import { forgetModel, loadModel, saveModel } from "./storage.js";
import { has, msg, raw, track } from "./i18n.js";
import { $, downloadBlob, errorMessage, showMessage } from "./ui.js";

const slotLabel = (slot) => (has(`model.slot.${slot}`) ? msg(`model.slot.${slot}`) : raw(slot));

export class ModelsPanel {
  /**
   * @param app the page (worker, mode, limits) — see main.js
   * @param onChanged called after the current model changed (to redraw weights and predict again)
   */
  constructor(app, onChanged) {
    this.app = app;
    this.onChanged = onChanged;
    this.slot = undefined; // the current model's slot, as the worker last reported it
    $("model-select").addEventListener("change", (e) => this.use(e.target.value));
    $("model-download").addEventListener("click", () => this.download());
    $("model-upload").addEventListener("change", (e) => this.upload(e.target));
    $("model-forget").addEventListener("click", () => this.forgetSaved());
  }

  /** Show the worker's model info: the menu of slots and a one-line summary. */
  show(info) {
    const select = $("model-select");
    const present = (slot) => [...select.options].some((o) => o.value === slot);
    for (const slot of info.slots) {
      if (!present(slot)) {
        const option = new Option("", slot);
        track(option, slotLabel(slot));
        select.append(option);
      }
    }
    select.value = info.slot;
    this.slot = info.slot;
    this.classes = info.classes; // the current model's digits (the one-step view's label menu)
    this.sizes = info.sizes; // its layers' sizes, inputs to outputs
    this.outputs = info.outputs; // "scores" or "probabilities"
    const outputs = msg(`model.outputs.${info.outputs}`);
    const sizes = info.sizes.join("-");
    track($("model-info"), info.notes && Number.isFinite(info.notes.test_accuracy)
      ? msg("model.infoAccuracy", { sizes, outputs, accuracy: { percent: info.notes.test_accuracy } })
      : msg("model.info", { sizes, outputs }));
  }

  async use(slot) {
    showMessage("model-message", ""); // (now: a message shown while the worker answers is kept)
    try {
      this.show(await this.app.worker.request("use-model", { slot }));
      this.onChanged();
    } catch (error) {
      showMessage("model-message", errorMessage(error));
    }
  }

  async download() {
    try {
      const { bytes, info } = await this.app.worker.request("model-bytes");
      downloadBlob(new Blob([bytes], { type: "application/octet-stream" }), `digits-${info.slot}-${info.sizes.join("-")}.npz`);
    } catch (error) {
      showMessage("model-message", msg("model.downloadFailed", { error: errorMessage(error) }));
    }
  }

  async upload(input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const limit = this.app.limits.model_bytes;
    if (file.size > limit) {
      showMessage("model-message", msg("model.tooLarge", { file: file.name, size: file.size, limit }));
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const info = await this.app.worker.request("load-model", { bytes, name: file.name }, [bytes.buffer]);
      this.show(info);
      const modeClasses = this.app.modeClasses();
      const loaded = info.classes.join() !== modeClasses.join()
        ? msg("model.loadedOtherDigits", { file: file.name, digits: info.classes, mode: this.app.mode })
        : msg("model.loaded", { file: file.name });
      showMessage("model-message", loaded, "ok");
      this.app.settings.applyModel(info); // the form shows the loaded network's shape
      this.saveCurrent();
      this.onChanged();
    } catch (error) {
      // Python's refusal names the file itself ("x.npz: not a model file"); other failures need its name
      const named = error && error.params && error.params.name === file.name;
      showMessage("model-message", msg(named ? "model.refused" : "model.loadFailed", { file: file.name, error: errorMessage(error) }));
    }
  }

  /** Keep the current model in IndexedDB, so that it comes back on the next visit. */
  async saveCurrent() {
    let model;
    try {
      model = await this.app.worker.request("model-bytes");
    } catch {
      return; // (Python stopped meanwhile: it says so itself)
    }
    try {
      await saveModel(model.bytes, model.info);
      $("model-forget").hidden = false;
    } catch (error) {
      // Storage full, or refused: the model works for this visit and can be downloaded. An older one
      // kept from before would come back next time instead: it goes (which also frees its room).
      showMessage("model-message", msg("model.notKept", { error: errorMessage(error) }));
      await forgetModel().catch(() => {});
      $("model-forget").hidden = true;
    }
  }

  /** Restore the model saved in IndexedDB, if any (on start-up, after a restart, after a Lab run);
   * `quiet` says nothing when it cannot be (a retry). */
  async restoreSaved(afterRestart = false, quiet = false) {
    try {
      const saved = await loadModel(); // (read when Python is ready: another tab may have saved or forgotten one meanwhile)
      if (!saved) return;
      $("model-forget").hidden = false; // (also one that cannot be used, damaged say: it can be forgotten)
      this.show(await this.app.worker.request("load-model", { bytes: saved.bytes }));
      this.restoreFailed = false;
      if (!afterRestart) showMessage("model-message", msg("model.restored", { ago: { ago: saved.saved } }), "ok");
    } catch (error) {
      if (!this.app.worker.dead && !quiet) {
        this.restoreFailed = true; // kept: it may need a component the Lab registers (tried again after Run)
        showMessage("model-message", msg("model.restoreFailed", { error: errorMessage(error) }));
      }
    }
  }

  async forgetSaved() {
    try {
      await forgetModel();
      $("model-forget").hidden = true;
      showMessage("model-message", msg("model.forgotten"), "ok");
    } catch (error) {
      showMessage("model-message", msg("model.forgetFailed", { error: errorMessage(error) }));
    }
  }

  setDisabled(disabled) {
    for (const id of ["model-select", "model-download", "model-upload"]) $(id).disabled = disabled;
    for (const label of $("model-upload").labels) label.setAttribute("aria-disabled", String(disabled));
  }
}
