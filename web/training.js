// The training panel: Train, Stop, the live readout and chart, the legend of runs, the CSV log.
import { runLabel } from "./settings.js";
import { $, downloadBlob, formatDuration, setStatus } from "./ui.js";

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
    setStatus("Training: fetching the MNIST training images…", "busy");
    try {
      const { progress, evaluation, dropped, timings } = await app.worker.request("train", { settings });
      const acc = evaluation ? `, ${(100 * evaluation.accuracy).toFixed(2)} %` : "";
      this.chart.keepAsOverlay(runLabel(settings) + acc);
      this.renderLegend();
      $("export-csv").disabled = this.chart.losses.length === 0;
      setStatus(...finalStatus(progress, dropped));
      this.lastRun = {
        settings, state: progress.state, steps: progress.step, elapsed: progress.elapsed,
        accuracy: evaluation ? evaluation.accuracy : null, ...timings,
      };
      this.onFinished(evaluation);
    } catch (error) {
      if (!app.worker.dead) setStatus(`Error: ${error.message}`, "error");
    } finally {
      app.setTraining(false);
    }
  }

  stop() {
    $("stop").disabled = true;
    setStatus("Stopping…", "busy");
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
    $("step").textContent = String(p.step);
    $("loss-value").textContent = Number.isFinite(p.loss) ? p.loss.toPrecision(4) : "–";
    $("loss-avg").textContent = Number.isFinite(p.avg_loss) ? p.avg_loss.toPrecision(4) : "–";
    $("lr-now").textContent = Number.isFinite(p.lr) ? p.lr.toPrecision(3) : "–";
    $("speed").textContent = p.samples_per_sec ? Math.round(p.samples_per_sec).toLocaleString("en") : "–";
    const left = p.samples_per_sec > 0 ? (p.total - p.step) * (p.elapsed / Math.max(1, p.step)) : NaN;
    $("eta").textContent = p.state === "running" ? formatDuration(left) : "0 s";
    $("train-progress").value = p.step / p.total;
    if (p.state === "running" && this.app.training && this.latest === p) setStatus(`Training: step ${p.step} of ${p.total}`, "busy");
    if (p.state === "done") setStatus(`All ${p.total} steps done; checking the model on the test images…`, "busy");
    if (p.state === "stopped") setStatus(`Stopped after ${p.step} of ${p.total} steps; checking the model on the test images…`, "busy");
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
    downloadBlob(new Blob([rows.join("\n") + "\n"], { type: "text/csv" }), "training-log.csv");
  }
}

/** The status line after a run: [text, kind]. */
function finalStatus(progress, dropped) {
  if (progress.state === "diverged") {
    return [`Training stopped: ${progress.message} The model from before the run is kept.`, "error"];
  }
  if (dropped && progress.step > 0) {
    return [`Training ended, but the new model is not kept: ${dropped}. The model from before the run is kept; ` +
      "try a smaller learning rate.", "error"];
  }
  if (progress.state === "stopped") return [`Stopped after ${progress.step} of ${progress.total} steps. Python is ready.`, "ready"];
  return [`Training done: ${progress.total} steps in ${formatDuration(progress.elapsed)}.`, "ready"];
}
