// "One step, watched": pick a training image (or take the drawing and choose its label), let the
// worker take one training step on a copy of the current model (pycore.onestep), and draw what
// every layer did. Every number comes from Python; this module only draws and formats them.
import { paintDigit } from "./canvas.js";
import { choiceLabel } from "./settings.js";
import { formatNumber as formatInLanguage, has, msg, NO_VALUE, render, slotted, t, track } from "./i18n.js";
import { $, errorMessage, messageError, showMessage } from "./ui.js";

const SIGNIFICANT = 4; // digits shown; the full value is in the element's data-value

/** A number as people read it: four significant digits, in exponent form when tiny or huge. */
export function formatNumber(v) {
  if (v === null || v === undefined) return NO_VALUE;
  const scientific = Number.isFinite(v) && ((v !== 0 && Math.abs(v) < 1e-3) || Math.abs(v) >= 1e5);
  const options = { notation: scientific ? "scientific" : "standard", maximumSignificantDigits: SIGNIFICANT, useGrouping: false };
  return formatInLanguage(v, options).replaceAll("-", "−");
}

/** The float32 values of a vector from the worker (a copy, aligned). */
function floats(bytes) {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** An element with attributes and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name === "testid") node.dataset.testid = value;
    else node.setAttribute(name, String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A number shown with 4 digits, its full value in data-value. */
function number(value, testid) {
  return el("span", { class: "num", testid, "data-value": String(value) }, formatNumber(value));
}

const STRIP_MAX = 256; // columns of a strip: a wider layer shows, per column, its strongest unit

/** The values to paint in at most STRIP_MAX columns: for a wider layer each column shows the value
 * of largest magnitude among the units it covers, so that no spike disappears (drawing only). */
function columns(values) {
  if (values.length <= STRIP_MAX) return values;
  const per = values.length / STRIP_MAX;
  return Array.from({ length: STRIP_MAX }, (_, c) => {
    let best = 0;
    for (let j = Math.floor(c * per); j < Math.floor((c + 1) * per); j++) {
      if (!Number.isFinite(values[j])) return values[j];
      if (Math.abs(values[j]) > Math.abs(best)) best = values[j];
    }
    return best;
  });
}

/** One value per pixel of a 1-px-high canvas: orange for positive, blue for negative, by |v| / absmax. */
function paintStrip(canvas, allValues, absmax) {
  const values = columns(allValues);
  canvas.width = Math.max(1, values.length);
  canvas.height = 1;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, 1);
  const scale = absmax > 0 && Number.isFinite(absmax) ? 1 / absmax : 0;
  values.forEach((v, j) => {
    const o = 4 * j;
    if (!Number.isFinite(v)) {
      img.data.set([255, 0, 255, 255], o); // not a number: magenta
      return;
    }
    const level = Math.min(1, Math.abs(v) * scale);
    img.data.set(v >= 0 ? [255 * level, 176 * level, 32 * level, 255] : [70 * level, 140 * level, 255 * level, 255], o);
  });
  ctx.putImageData(img, 0, 0);
}

export class StepView {
  constructor(app) {
    this.app = app;
    this.busy = false; // a step in flight
    this.shown = 0; // results shown (data-seq on the result: tests wait on it)
    this.result = null; // the last step's reply, as the worker sent it
    this.strips = {}; // data-testid -> Float32Array drawn in that strip (tests read them)
    this.previewing = false;
    this.previewAgain = false;
    $("step-run").addEventListener("click", () => this.step());
    this.previewed = false; // a training image was looked up (the first look-up fetches the training images)
    $("step-index").addEventListener("input", () => (this.source === "training" ? this.preview() : this.select("training")));
    $("step-label").addEventListener("change", () => this.select("drawing"));
    for (const radio of this.radios()) radio.addEventListener("change", () => this.sourceChanged());
    // The model, the mode and Python's readiness show in the model line: refresh the choices then.
    new MutationObserver(() => this.refreshChoices()).observe($("model-info"), { childList: true, characterData: true, subtree: true });
    document.addEventListener("languagechange", () => this.result && this.show(this.result)); // the result's words
  }

  radios() {
    return document.querySelectorAll('input[name="step-source"]');
  }

  get source() {
    return [...this.radios()].find((r) => r.checked).value;
  }

  select(source) {
    for (const radio of this.radios()) radio.checked = radio.value === source;
    this.sourceChanged();
  }

  sourceChanged() {
    if (this.source === "drawing") {
      track($("step-sample"), msg("step.drawingPending"));
      paintDigit($("step-image"), new Uint8Array(784));
    } else {
      this.preview();
    }
  }

  /** The label menu offers the current model's digits (what Python accepts); the index the mode's images. */
  refreshChoices() {
    const { app } = this;
    if (!app.modes || !app.modes[app.mode]) return;
    const select = $("step-label");
    const kept = select.value;
    const classes = app.models.classes || app.modeClasses();
    if (classes.join() !== [...select.options].map((o) => o.value).join()) {
      select.replaceChildren(...classes.map((c) => new Option(String(c), String(c))));
      if (classes.map(String).includes(kept)) select.value = kept;
    }
    const count = app.modes[app.mode].max_samples;
    if (count) $("step-index").max = String(count - 1);
    if (this.source === "training" && this.previewed) this.preview(); // the mode's image at that index
  }

  settings() {
    try {
      return this.app.settings.readForStep();
    } catch (error) {
      throw messageError("step.settings", { error: errorMessage(error) });
    }
  }

  readIndex() {
    const input = $("step-index");
    return input.value.trim() === "" ? Number.NaN : Number(input.value);
  }

  /** Show the chosen training image and its label (one look-up in flight at a time). */
  async preview() {
    if (!this.app.ready || this.source !== "training") return;
    if (this.previewing) {
      this.previewAgain = true;
      return;
    }
    this.previewing = true;
    this.previewed = true;
    try {
      const index = this.readIndex();
      const found = await this.app.worker.request("one-step", { settings: this.settings(), index, preview: true });
      if (this.readIndex() === index && this.source === "training") {
        paintDigit($("step-image"), found.image);
        track($("step-sample"), msg("step.sample", { what: this.what({ source: "training", ...found }), label: found.label }));
        $("step-index").max = String(found.count - 1);
        showMessage("step-message", "");
      }
    } catch (error) {
      track($("step-sample"), msg("step.noSample"));
      showMessage("step-message", errorMessage(error));
    } finally {
      this.previewing = false;
      if (this.previewAgain) {
        this.previewAgain = false;
        this.preview();
      }
    }
  }

  /** Take one step on the chosen image; the last result stays until a new one arrives. */
  async step() {
    const { app } = this;
    if (this.busy) return;
    if (!app.ready) {
      showMessage("step-message", msg(app.worker && app.worker.dead ? "step.pythonStopped" : "step.notReady"));
      return;
    }
    this.setBusy(true);
    try {
      const args = { settings: this.settings() };
      this.optimizerChoice = args.settings.optimizer; // its name in the menu, for the summary
      const transfer = [];
      if (this.source === "training") {
        args.index = this.readIndex();
      } else {
        const pixels = app.prediction.pad.pixels();
        const label = $("step-label").value;
        Object.assign(args, pixels, { label: label === "" ? null : Number(label) }); // none chosen: Python says so
        transfer.push(pixels.rgba.buffer);
      }
      const result = await app.worker.request("one-step", args, transfer);
      this.show(result);
      const warning = result.warning_key ? msg(result.warning_key, result.warning_params) : result.warning;
      showMessage("step-message", warning || "", result.warning ? "error" : "ok");
    } catch (error) {
      showMessage("step-message", msg(this.result ? "step.failedKept" : "step.failed", { error: errorMessage(error) }));
    } finally {
      this.setBusy(false);
    }
  }

  setBusy(busy) {
    this.busy = busy;
    $("step-run").disabled = busy || !this.app.ready || this.app.training;
    track($("step-run"), msg(busy ? "step.running" : "step.run"));
    $("step-result").setAttribute("aria-busy", String(busy));
  }

  show(result) {
    this.result = result;
    this.strips = {};
    paintDigit($("step-image"), result.image);
    const what = this.what(result);
    track($("step-sample"), msg("step.sample", { what, label: result.label }));
    const opt = result.optimizer;
    const settings = Object.entries(opt.settings).map(([k, v]) => msg("step.setting", { name: has(`step.optimizerSetting.${k}`) ? msg(`step.optimizerSetting.${k}`) : k, value: formatNumber(v) }));
    $("step-summary").replaceChildren(...slotted(t("step.summary", { what: render(what), label: result.label, optimizer: render(choiceLabel("optimizer", this.optimizerChoice, opt.name)), settings: render(settings) }, { slots: true }), {
      before: number(result.loss.before, "step-loss-before"),
      after: number(result.loss.after, "step-loss-after"),
    }));
    const box = $("step-result");
    box.replaceChildren(...result.layers.map((layer) => this.layerBlock(layer, result)), this.lossBlock(result));
    box.hidden = false;
    box.dataset.seq = String(++this.shown);
    box.dataset.source = result.source;
  }

  /** "Training image 5 of 18623" or "Your drawing", as a message. */
  what(result) {
    return result.source === "training" ? msg("step.trainingImage", { index: result.index, count: result.count }) : msg("step.drawing");
  }

  /** A labelled strip of a vector, with its size and range. */
  vectorRow(testid, title, formula, vec) {
    const canvas = el("canvas", { class: "strip", testid, role: "img",
      "aria-label": t("step.stripLabel", { title: render(title), size: vec.size, min: formatNumber(vec.min), max: formatNumber(vec.max) }) });
    const values = floats(vec.values);
    this.strips[testid] = values;
    paintStrip(canvas, values, vec.absmax);
    return el("div", { class: "step-row" },
      el("p", { class: "step-what" }, render(title), formula ? el("code", {}, formula) : null),
      canvas,
      el("p", { class: "step-stats" }, ...slotted(t("step.stripStats", {}, { slots: true }), {
        norm: number(vec.norm, `${testid}-norm`), min: number(vec.min, `${testid}-min`), max: number(vec.max, `${testid}-max`),
      })),
    );
  }

  sizes(prefix, label, formula, layer, keys) {
    const [wKey, bKey] = keys;
    return el("div", { class: "step-row" },
      el("p", { class: "step-what" }, render(label), formula ? el("code", {}, formula) : null),
      el("p", { class: "step-stats" },
        `‖${wKey}‖ `, number(layer[`${prefix}W_norm`], `step-L${layer.index}-${prefix}W-norm`),
        ` · max |${wKey}| `, number(layer[`${prefix}W_max`], `step-L${layer.index}-${prefix}W-max`),
        ` · ‖${bKey}‖ `, number(layer[`${prefix}b_norm`], `step-L${layer.index}-${prefix}b-norm`),
        ` · max |${bKey}| `, number(layer[`${prefix}b_max`], `step-L${layer.index}-${prefix}b-max`)),
    );
  }

  layerBlock(layer, result) {
    const i = layer.index;
    const last = i === result.layers.length;
    const f = layer.formulas;
    const id = `step-L${i}`;
    const input = i === 1
      ? el("div", { class: "step-row" },
          el("p", { class: "step-what" }, t("step.inputImage")),
          this.inputImage(result, `${id}-input`, layer.input))
      : this.vectorRow(`${id}-input`, msg("step.inputLayer", { layer: i - 1 }), null, layer.input);
    const forward = [
      input,
      this.vectorRow(`${id}-pre`, msg(last ? "step.output" : "step.pre"), f.forward, layer.pre),
      last ? null : this.vectorRow(`${id}-post`, msg("step.activation", { name: layer.activation }), f.activation, layer.post),
    ];
    const above = last ? msg("step.fromLoss") : msg("step.fromLayer", { layer: i + 1 });
    const backward = [
      last ? null : this.vectorRow(`${id}-grad_post`, msg("step.gradPost", { above }), null, layer.grad_post),
      this.vectorRow(`${id}-grad_pre`, last ? msg("step.gradPreFrom", { above }) : msg("step.gradPre"),
        last ? null : f.activation_grad, layer.grad_pre),
      this.sizes("d", msg("step.weightGrad"), `${f.weight_grad};  ${f.bias_grad}${i > 1 ? `;  ${t("step.passesDown", { formula: f.input_grad })}` : ""}`,
        layer, ["dW", "db"]),
    ];
    const update = this.sizes("update_", msg("step.update"), result.optimizer.formulas.update, layer, ["ΔW", "Δb"]);
    const title = layer.activation
      ? msg("step.layerTitle", { layer: i, inputs: layer.inputs, units: layer.units, activation: layer.activation })
      : msg("step.layerTitleOutput", { layer: i, inputs: layer.inputs, units: layer.units });
    return el("section", { class: "step-layer", testid: id, "aria-labelledby": `${id}-title` },
      el("h3", { id: `${id}-title` }, render(title)),
      el("div", { class: "step-columns" },
        el("div", {}, el("h4", {}, t("step.forward")), ...forward),
        el("div", {}, el("h4", {}, t("step.backward")), ...backward),
        el("div", {}, el("h4", {}, t("step.update")), update)),
    );
  }

  inputImage(result, testid, vec) {
    const canvas = el("canvas", { class: "step-input", testid, role: "img", "aria-label": t("step.inputImageLabel") });
    this.strips[testid] = floats(vec.values);
    paintDigit(canvas, result.image);
    return canvas;
  }

  lossBlock(result) {
    const { loss, classes } = result;
    const softmax = Boolean(loss.probabilities); // None arrives as undefined
    const columns = [["outputs", "y"], ...(softmax ? [["probabilities", "p"]] : []), ["target", "t"], ["gradient", "dL/dy"], ["outputs_after", t("step.yAfter")]];
    const vectors = Object.fromEntries(columns.map(([key]) => [key, floats(loss[key].values)]));
    for (const [key] of columns) this.strips[`step-loss-${key}`] = vectors[key];
    const head = el("tr", {}, el("th", { scope: "col" }, t("step.digit")), ...columns.map(([, label]) => el("th", { scope: "col" }, label)));
    const rows = classes.map((digit, c) => el("tr", { "data-digit": digit },
      el("th", { scope: "row" }, String(digit)),
      ...columns.map(([key]) => el("td", { "data-key": key }, number(vectors[key][c])))));
    return el("section", { class: "step-layer", testid: "step-loss", "aria-labelledby": "step-loss-title" },
      el("h3", { id: "step-loss-title" }, ...slotted(t("step.lossTitle", {}, { slots: true }), { name: el("code", {}, loss.name) })), // a class name
      el("p", { class: "step-what" }, ...(loss.formulas.backward
        ? slotted(t("step.lossFormulas", {}, { slots: true }), { forward: el("code", {}, loss.formulas.forward), backward: el("code", {}, loss.formulas.backward) })
        : slotted(t("step.lossForward", {}, { slots: true }), { forward: el("code", {}, loss.formulas.forward) }))),
      el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": t("step.tableCaption") },
        el("table", { class: "step-table", testid: "step-loss-table" }, el("caption", {}, t("step.tableCaption")), head, ...rows)),
      el("p", { class: "step-stats" }, ...slotted(t("step.lossBeforeAfter", {}, { slots: true }), { before: number(loss.before), after: number(loss.after) })),
    );
  }
}
