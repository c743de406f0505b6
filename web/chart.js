// The live loss chart: per-step loss (faint) and its moving average (bold), log scale.
// Data arrives in chunks; the canvas is redrawn at most every MIN_DRAW_MS, in an animation frame
// (drawing 2,000 points is the page's largest cost while the worker trains: it shares the CPU).

const MAX_POINTS = 2000; // points drawn per series; longer runs are thinned evenly
const MIN_DRAW_MS = 250;
const MAX_DECADES = 8; // the y-axis spans at most this many powers of ten
const COLORS = { loss: "rgba(120, 160, 255, 0.45)", avg: "#ffb020", grid: "#33405a", text: "#a9b4c8" };
const OVERLAY_COLORS = ["#7bd88f", "#ff6b8b", "#b48cff", "#5ad1e6"];

import { t } from "./i18n.js";

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.overlays = []; // finished runs, newest first: {label, averages, total, color}
    this.reset(1);
    new ResizeObserver(() => this.#schedule()).observe(canvas);
  }

  reset(total) {
    this.total = Math.max(1, total);
    this.losses = [];
    this.averages = [];
    this.#schedule();
  }

  push(losses, averages) {
    for (const v of losses) this.losses.push(v);
    for (const v of averages) this.averages.push(v);
    this.#schedule();
  }

  keepAsOverlay(label) {
    if (!this.averages.length) return;
    this.overlays.unshift({ label, averages: this.averages.slice(), total: this.total });
    this.overlays = this.overlays.slice(0, OVERLAY_COLORS.length);
    this.overlays.forEach((o, k) => (o.color = OVERLAY_COLORS[k]));
    this.#schedule();
  }

  /** Draw again (after a switch of language: the axis's words). */
  redraw() {
    this.#schedule();
  }

  #schedule() {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, (this.drawnAt ?? -Infinity) + MIN_DRAW_MS - performance.now());
    setTimeout(() => requestAnimationFrame(() => {
      this.pending = false;
      this.drawnAt = performance.now();
      this.draw();
    }), wait);
  }

  draw() {
    const { canvas, ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 300;
    const h = canvas.clientHeight || 160;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = { l: 44, r: 8, t: 8, b: 20 };
    const [lo, hi] = this.#range();
    const x = (i, total) => pad.l + ((w - pad.l - pad.r) * i) / total;
    const y = (v) => {
      const c = Math.min(hi, Math.max(lo, v));
      return pad.t + ((h - pad.t - pad.b) * (Math.log10(hi) - Math.log10(c))) / (Math.log10(hi) - Math.log10(lo));
    };
    ctx.font = `11px ${getComputedStyle(canvas).fontFamily}`;
    ctx.fillStyle = COLORS.text;
    ctx.strokeStyle = COLORS.grid;
    ctx.lineWidth = 1;
    const top = Math.round(Math.log10(hi));
    const bottom = Math.round(Math.log10(lo));
    const every = Math.max(1, Math.ceil((top - bottom) / 6)); // at most about 6 grid lines
    for (let e = top; e >= bottom; e -= every) {
      const yy = y(10 ** e);
      ctx.beginPath();
      ctx.moveTo(pad.l, yy);
      ctx.lineTo(w - pad.r, yy);
      ctx.stroke();
      ctx.fillText(e === 0 ? "1" : e === 1 ? "10" : `1e${e}`, 4, yy + 4);
    }
    ctx.fillText(t("chart.steps", { step: this.losses.length, total: this.total }), pad.l, h - 5);
    // Earlier runs (kept for comparison), each on its own step axis.
    this.overlays.forEach((o) => this.#line(o.averages, o.total, x, y, o.color, 1.5));
    this.#line(this.losses, this.total, x, y, COLORS.loss, 1);
    this.#line(this.averages, this.total, x, y, COLORS.avg, 2.5);
  }

  // The y-range in whole decades around every value shown (1e-4..1 when there is none yet).
  #range() {
    let min = Infinity;
    let max = 0;
    for (const series of [this.losses, this.averages, ...this.overlays.map((o) => o.averages)]) {
      for (const v of series) {
        if (!(v > 0) || !Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (!(max > 0)) return [1e-4, 1];
    const hi = 10 ** Math.ceil(Math.log10(max));
    const lo = Math.max(10 ** Math.floor(Math.log10(min)), hi / 10 ** MAX_DECADES);
    return [Math.min(lo, hi / 10), hi];
  }

  #line(values, total, x, y, color, width) {
    if (!values.length) return;
    const { ctx } = this;
    const stride = Math.max(1, Math.ceil(values.length / MAX_POINTS));
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    for (let i = 0; i < values.length; i += stride) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (i === 0) ctx.moveTo(x(i + 1, total), y(v));
      else ctx.lineTo(x(i + 1, total), y(v));
    }
    ctx.stroke();
  }
}
