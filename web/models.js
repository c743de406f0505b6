// Models: the model menu, download, upload, and the last trained model kept in IndexedDB.
import { forgetModel, loadModel, saveModel } from "./storage.js";
import { $, downloadBlob, showMessage } from "./ui.js";

const SLOT_LABELS = { pretrained: "Pretrained 0–2 (seed experiment)", "pretrained-0-9": "Pretrained 0–9", trained: "Trained here" };

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
    const has = (slot) => [...select.options].some((o) => o.value === slot);
    for (const slot of info.slots) {
      if (!has(slot)) select.append(new Option(SLOT_LABELS[slot] || slot, slot));
    }
    select.value = info.slot;
    this.slot = info.slot;
    this.classes = info.classes; // the current model's digits (the one-step view's label menu)
    const acc = info.notes && Number.isFinite(info.notes.test_accuracy)
      ? `, ${(100 * info.notes.test_accuracy).toFixed(2)} % on test images` : "";
    $("model-info").textContent = `${info.sizes.join("-")}, ${info.outputs}${acc}`;
  }

  async use(slot) {
    try {
      this.show(await this.app.worker.request("use-model", { slot }));
      showMessage("model-message", "");
      this.onChanged();
    } catch (error) {
      showMessage("model-message", error.message);
    }
  }

  async download() {
    try {
      const { bytes, info } = await this.app.worker.request("model-bytes");
      downloadBlob(new Blob([bytes], { type: "application/octet-stream" }), `digits-${info.slot}-${info.sizes.join("-")}.npz`);
    } catch (error) {
      showMessage("model-message", `Could not download the model: ${error.message}`);
    }
  }

  async upload(input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    const limit = this.app.limits.model_bytes;
    if (file.size > limit) {
      showMessage("model-message", `${file.name} is too large for a model file (${file.size} bytes, at most ${limit}); the current model is unchanged.`);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const info = await this.app.worker.request("load-model", { bytes }, [bytes.buffer]);
      this.show(info);
      const modeClasses = this.app.modeClasses();
      const hint = info.classes.join() !== modeClasses.join()
        ? ` It knows the digits ${info.classes.join(", ")}; the Digits mode is ${this.app.mode}, so ` +
          "drawings get its answer, but its test accuracy is checked only on the images this mode loads."
        : "";
      showMessage("model-message", `Loaded ${file.name}.${hint}`, "ok");
      this.app.settings.applyModel(info); // the form shows the loaded network's shape
      this.saveCurrent();
      this.onChanged();
    } catch (error) {
      showMessage("model-message", `Could not load ${file.name}: ${error.message}. The current model is unchanged.`);
    }
  }

  /** Keep the current model in IndexedDB, so that it comes back on the next visit. */
  async saveCurrent() {
    try {
      const { bytes, info } = await this.app.worker.request("model-bytes");
      await saveModel(bytes, info);
      $("model-forget").hidden = false;
    } catch {
      // Private windows may refuse IndexedDB: the model still works for this visit.
    }
  }

  /** Load the model kept in IndexedDB, if any (on start-up, and after a restart). */
  /** Restore the model saved in IndexedDB, if any; `quiet` says nothing when it cannot be (a retry). */
  async restoreSaved(afterRestart = false, quiet = false) {
    try {
      const saved = await loadModel();
      if (!saved) return;
      this.show(await this.app.worker.request("load-model", { bytes: saved.bytes }));
      this.restoreFailed = false;
      $("model-forget").hidden = false;
      if (!afterRestart) showMessage("model-message", "Using your last trained model (kept from an earlier visit).", "ok");
    } catch (error) {
      if (!this.app.worker.dead && !quiet) {
        this.restoreFailed = true; // kept: it may need a component the Lab registers (tried again after Run)
        showMessage("model-message", `Your saved model could not be restored (${error.message}); using the pretrained one.`);
      }
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

  setDisabled(disabled) {
    for (const id of ["model-select", "model-download", "model-upload"]) $(id).disabled = disabled;
    for (const label of $("model-upload").labels) label.setAttribute("aria-disabled", String(disabled));
  }
}
