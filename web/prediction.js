// The drawing card: predict the drawing on every stroke (and live while drawing), show the answer.
import { DrawingPad, paintDigit } from "./canvas.js";
import { renderActivations } from "./inside.js";
import { msg, NO_VALUE, track, trackedMessage } from "./i18n.js";
import { $, errorMessage, READY, renderScores, setStatus } from "./ui.js";

// Pillow loads in about 0.2 s here: a drawing that waits longer for it is said to wait (a slow connection).
const SAY_PILLOW_WAIT_AFTER_MS = 500;

export class PredictionPanel {
  constructor(app) {
    this.app = app;
    this.predicting = false; // one prediction in flight at a time
    this.again = false; // the drawing changed while one was in flight
    this.drawing = 0; // bumped on every change to the drawing: an answer for an older one is dropped
    this.shown = 0; // answers shown, on the prediction element as data-seq (tests wait on it)
    this.strokeEndAt = null;
    this.failedStatus = null; // the status message a failed or waiting prediction showed, until one is answered
    this.pillowTimer = null; // (see waitingForPillow)
    this.pad = new DrawingPad($("draw-canvas"), {
      onStrokeEnd: () => {
        this.strokeEndAt = performance.now(); // for the stroke-to-prediction measure
        this.changed();
      },
      onDraw: () => this.changed({ live: true }),
    });
    $("clear").addEventListener("click", () => {
      this.pad.clear();
      this.changed();
    });
    $("undo").addEventListener("click", () => {
      this.pad.undo();
      this.changed();
    });
    this.live = false; // whether the drawing is read while its stroke goes on (the worker then never retries Pillow)
  }

  changed({ live = false } = {}) {
    this.live = live;
    this.drawing++;
    if (this.pad.isEmpty) this.showNothingDrawn();
    else this.predict();
  }

  async predict() {
    const { app } = this;
    if (!app.ready) return; // drawing works before Python is ready; the page predicts then
    if (this.predicting) {
      this.again = true;
      return;
    }
    if (this.pad.isEmpty) return this.showNothingDrawn();
    this.predicting = true;
    const strokeEnd = this.strokeEndAt;
    this.strokeEndAt = null;
    const drawing = this.drawing;
    try {
      const pixels = { ...this.pad.pixels(), live: this.live };
      const result = await app.worker.request("predict", pixels, [pixels.rgba.buffer]);
      clearTimeout(this.pillowTimer);
      if (this.failedStatus !== null) { // (an answer, even a stale one: the last error or wait is over; say so, if still shown)
        if (!app.training && trackedMessage($("status")) === this.failedStatus) setStatus(READY, "ready");
        this.failedStatus = null;
      }
      if (drawing !== this.drawing) return; // the drawing changed meanwhile: this answer is stale
      if (result.empty) this.showNothingDrawn();
      else this.show(result);
      if (strokeEnd) requestAnimationFrame(() => performance.measure("stroke-to-prediction", { start: strokeEnd }));
    } catch (error) {
      clearTimeout(this.pillowTimer);
      if (!app.worker.dead) {
        this.sayInStatus(msg("status.error", { error: errorMessage(error) }), "error");
      }
    } finally {
      this.predicting = false;
      if (this.again) {
        this.again = false;
        this.predict();
      }
    }
  }

  show(result) {
    const prediction = $("prediction");
    prediction.dataset.seq = String(++this.shown);
    if (result.digit === null) {
      // outputs that are not finite numbers (a diverged model) give no answer
      prediction.textContent = "?";
      delete prediction.dataset.digit;
      track(prediction, msg("draw.noAnswer"), "title");
    } else {
      prediction.textContent = String(result.digit);
      prediction.dataset.digit = String(result.digit);
      track(prediction, "", "title");
    }
    renderScores(result.classes, result.scores, result.outputs);
    paintDigit($("preview"), result.image);
    renderActivations($("activations"), result.activations);
  }

  /** The worker waits for Pillow, still loading, before it reads the drawing: if no answer has come
   * after a usual load's time (a slow connection), say so until one comes, unless the status says
   * something else than "ready" (a run, a mode switch, another panel's error) or this panel's last error. */
  waitingForPillow() {
    clearTimeout(this.pillowTimer);
    this.pillowTimer = setTimeout(() => {
      const status = $("status");
      if (!this.predicting || !this.app.ready || this.app.training) return;
      if (status.dataset.kind !== "ready" && trackedMessage(status) !== this.failedStatus) return;
      this.sayInStatus(msg("status.pillowLoading"), "busy");
    }, SAY_PILLOW_WAIT_AFTER_MS);
  }

  /** Say `message` in the status until a drawing is answered (remembered as a message, so that a
   * language switch meanwhile does not make it stay). */
  sayInStatus(message, kind) {
    setStatus(message, kind);
    this.failedStatus = trackedMessage($("status"));
  }

  /** The current model's rows without values (a score per digit, a dark strip per hidden layer), so
   * that nothing moves when its answers come and go. Nothing while Python loads (no model yet). */
  showRows() {
    const { classes, sizes, outputs } = this.app.models;
    if (!classes) return;
    renderScores(classes, null, outputs);
    renderActivations($("activations"), sizes.slice(1, -1).map((units) => new Uint8Array(4 * units)));
  }

  showNothingDrawn() {
    const prediction = $("prediction");
    prediction.textContent = NO_VALUE;
    prediction.dataset.seq = String(++this.shown);
    delete prediction.dataset.digit;
    this.showRows();
    paintDigit($("preview"), new Uint8Array(784));
  }
}
