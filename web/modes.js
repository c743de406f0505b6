// The Digits mode (0–2 or 0–9): each mode has its data, its pretrained model and its presets,
// all from Python's page config. Switching loads them in the worker.
import { refreshWeights } from "./inside.js";
import { msg } from "./i18n.js";
import { $, errorMessage, setStatus, showMessage } from "./ui.js";

/** What the status says once `mode` is in use. */
export const readyStatus = (mode) => msg(mode === "0-9" ? "status.readyAll" : "status.readySeed");

/**
 * Switch `app` to `mode`. `restoring`: after a restart, bring the new worker back to the mode
 * the page is in, without touching the form. `quiet`: leave the status to the caller (a link
 * opened with the page, which says "ready" once it is applied).
 */
export async function switchMode(app, mode, { restoring = false, quiet = false } = {}) {
  const previous = app.mode;
  app.ready = false; // controls off while the data and model load
  app.updateControls();
  try {
    const info = await app.worker.request("set-mode", { mode });
    showMode(app, mode);
    app.models.show(info);
    if (restoring) return;
    showMessage("model-message", ""); // (what it said was about the last mode's model)
    app.settings.applyModeDefaults();
    refreshWeights(app.worker);
    if (!quiet) setStatus(readyStatus(mode), "ready"); // (quiet: a link applied before the page says "ready")
  } catch (error) {
    if (app.worker.dead) return;
    if (restoring) {
      showMode(app, "0-2");
      showMessage("model-message", msg("mode.restoreFailed", { error: errorMessage(error) }));
    } else {
      $("mode").value = previous;
      setStatus(msg("mode.switchFailed", { mode, error: errorMessage(error) }), "error");
    }
  } finally {
    $("load-progress").hidden = true;
    if (!restoring && !app.worker.dead) {
      app.ready = true;
      app.updateControls();
      app.settings.showShape();
      app.prediction.predict(); // the drawing, read by the mode's model (or its rows, if nothing is drawn)
    }
  }
}

function showMode(app, mode) {
  app.mode = mode;
  $("mode").value = mode;
  app.settings.setMode(mode);
}
