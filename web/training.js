// The training panel: Train, Stop, the live readout and chart, the legend of runs, the CSV log.
import { runLabel } from "./settings.js";
import { formatNumber, formatSignificant, msg, NO_VALUE, raw, track } from "./i18n.js";
import { $, downloadBlob, errorMessage, formatDuration, setStatus } from "./ui.js";

const READOUT_MS = 200; // the step, loss and speed readout is refreshed at most this often

export class TrainingPanel {
  /**
   * @param app the page (worker, settings form, busy state) — see main.js
   * @param chart the LossChart
   * @param onFinished called with the run's evaluation (or null when the previous model is kept)
   */
  constructor(app, chart, onFinished) {
    this.app = app;
    this.chart = chart;
    this.onFinished = onFinished;
    this.lastRun = null; // the last finished run: settings, steps, seconds, test accuracy (read by the benchmark)
    $("stop").addEventListener("click", () => this.stop());
    $("export-csv").addEventListener("click", () => this.exportCsv());
  }

  async train(settings) {
    const { app } = this;
    app.setTraining(true);
    setStatus(msg("train.fetching"), "busy");
    try {
      const { progress, evaluation, dropped, timings } = await app.worker.request("train", { settings });
      const label = runLabel(settings);
      this.chart.keepAsOverlay(evaluation ? msg("run.withAccuracy", { run: label, accuracy: { percent: evaluation.accuracy } }) : label);
      this.renderLegend();
      $("export-csv").disabled = this.chart.losses.length === 0;
      setStatus(...finalStatus(progress, dropped));
      this.lastRun = {
        settings, state: progress.state, steps: progress.step, elapsed: progress.elapsed,
        accuracy: evaluation ? evaluation.accuracy : null, ...timings,
      };
      this.onFinished(evaluation);
    } catch (error) {
      if (!app.worker.dead) setStatus(msg("status.error", { error: errorMessage(error) }), "error");
    } finally {
      app.setTraining(false);
    }
  }

  stop() {
    $("stop").disabled = true;
    setStatus(msg("train.stopping"), "busy");
    this.app.worker.request("stop").catch(() => {});
  }

  /** The worker set the run up: the chart's step axis is the run's total, as Python counts it. */
  onStarted({ total }) {
    this.chart.reset(total);
  }

  /** A chunk's report: its losses go to the chart at once; the readout shows the latest report
   * at most every READOUT_MS (the page shares the CPU with the training worker). */
  onProgress(p) {
    this.chart.push(p.losses, p.averages);
    this.latest = p;
    if (p.state !== "running") {
      clearTimeout(this.readoutTimer);
      this.readoutTimer = 0;
      this.showProgress(p);
    } else if (!this.readoutTimer) {
      this.readoutTimer = setTimeout(() => {
        this.readoutTimer = 0;
        this.showProgress(this.latest);
      }, READOUT_MS);
    }
  }

  showProgress(p) {
    this.showReadout(p);
    const steps = { step: p.step, total: p.total };
    if (p.state === "running" && this.app.training && this.latest === p) setStatus(msg("train.step", steps), "busy");
    if (p.state === "done") setStatus(msg("train.doneChecking", steps), "busy");
    if (p.state === "stopped") setStatus(msg("train.stoppedChecking", steps), "busy");
  }

  /** The readout's figures (numbers and durations in the page's language). */
  showReadout(p) {
    this.shown = p;
    $("step").textContent = String(p.step);
    $("loss-value").textContent = Number.isFinite(p.loss) ? formatSignificant(p.loss, 4) : NO_VALUE;
    $("loss-avg").textContent = Number.isFinite(p.avg_loss) ? formatSignificant(p.avg_loss, 4) : NO_VALUE;
    $("lr-now").textContent = Number.isFinite(p.lr) ? formatSignificant(p.lr, 3) : NO_VALUE;
    $("speed").textContent = p.samples_per_sec ? formatNumber(Math.round(p.samples_per_sec)) : NO_VALUE;
    const left = p.samples_per_sec > 0 ? (p.total - p.step) * (p.elapsed / Math.max(1, p.step)) : NaN;
    $("eta").textContent = p.state === "running" ? formatDuration(left) : formatDuration(0);
    $("train-progress").value = p.step / p.total;
  }

  renderLegend() {
    const legend = $("run-legend");
    legend.replaceChildren();
    this.chart.overlays.forEach((run, k) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = run.color;
      const text = document.createElement("span");
      track(text, msg("run.legend", { run: k === 0 ? msg("run.last") : msg("run.earlier", { k }), label: run.label }));
      li.append(swatch, text);
      legend.append(li);
    });
  }

  /** After a switch of language: the readout's units and the chart's words. */
  languageChanged() {
    if (this.shown) this.showReadout(this.shown);
    this.chart.redraw();
  }

  exportCsv() {
    const rows = ["step,loss,moving_average"];
    this.chart.losses.forEach((loss, i) => rows.push(`${i + 1},${loss},${this.chart.averages[i] ?? ""}`));
    downloadBlob(new Blob([rows.join("\n") + "\n"], { type: "text/csv" }), "training-log.csv");
  }
}

/** Python's words for a run's state (Progress.message, with its key and parameters), as a message. */
const progressMessage = (p) => (p.message_key ? msg(p.message_key, p.message_params || {}) : raw(p.message));

/** The status line after a run: [message, kind]. */
function finalStatus(progress, dropped) {
  if (progress.state === "diverged") return [msg("train.diverged", { reason: progressMessage(progress) }), "error"];
  if (dropped && progress.step > 0) {
    const reason = dropped.key ? msg(dropped.key, dropped.params || {}) : raw(dropped.text ?? dropped);
    return [msg("train.dropped", { reason }), "error"];
  }
  if (progress.state === "stopped") return [msg("train.stopped", { step: progress.step, total: progress.total }), "ready"];
  return [msg("train.done", { total: progress.total, time: { duration: progress.elapsed } }), "ready"];
}
