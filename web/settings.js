// The training form: presets, the Digits mode's defaults and limits, and validation.
// The recipes (presets) and limits come from Python (pycore.recipes) in the boot reply; this
// module only shows them and reads the form back.
import { has, msg, raw, track } from "./i18n.js";
import { $, errorMessage, messageError, showMessage } from "./ui.js";

// Form fields, keyed by the setting they hold (element ids equal these names).
const NUMBER_FIELDS = ["samples", "epochs", "batch_size", "lr", "seed", "label_smoothing", "alpha"];
export const CHOICE_FIELDS = ["optimizer", "lr_schedule", "loss", "init", "dtype", "activation", "augment"];
const SHAPE_FIELDS = ["hidden", "activation", "alpha", "loss", "init", "dtype"]; // what a model file records
const CHECK_FIELDS = ["shuffle"];
/** Every setting the form holds (and so every name a shared link may set). */
export const FIELDS = [...NUMBER_FIELDS, ...CHOICE_FIELDS, ...CHECK_FIELDS, "hidden"];

export class SettingsForm {
  constructor({ describe }) {
    this.form = $("settings");
    this.describe = describe; // asks Python for the shape the form gives: {sizes, parameters, multiply_adds}
    this.limits = {};
    this.form.addEventListener("input", () => this.showShape());
    this.form.addEventListener("change", () => this.showShape());
    this.recipes = {}; // name -> {description, settings}
    this.modes = {}; // "0-2" / "0-9" -> {classes, recipe, presets, max_samples}
    this.mode = null;
    this.preset = null; // the recipe of the last preset applied (the mode's default until one is)
  }

  /** Take the recipes, modes, limits and menus from the boot reply; returns the menu values dropped (see setChoices). */
  configure({ recipes, modes, limits, choices, step_settings: stepSettings }) {
    const dropped = this.setChoices(choices);
    this.stepFields = stepSettings; // what one watched step reads (readForStep)
    this.recipes = recipes;
    this.modes = modes;
    this.limits = limits;
    for (const name of NUMBER_FIELDS) {
      const [min, max] = limits[name];
      $(name).step = limits.whole_numbers.includes(name) ? "1" : "any";
      $(name).min = String(min);
      $(name).max = String(max);
    }
    this.renderPresets();
    return dropped;
  }

  /**
   * Fill the menus with Python's choices (built-in, then registered in the Lab), keeping what each
   * showed; returns messages naming those whose value is no longer offered.
   */
  setChoices(choices) {
    const dropped = [];
    for (const [name, options] of Object.entries(choices)) {
      const select = $(name);
      if (!select) throw messageError("settings.noMenu", { name });
      const kept = select.value;
      select.replaceChildren(...options.map(([value, label, origin]) => {
        const option = new Option(label, value);
        track(option, choiceLabel(name, value, label, origin));
        return option;
      }));
      if (kept && options.some(([value]) => value === kept)) select.value = kept; // a restart keeps what the form showed
      else if (kept) dropped.push(msg("settings.choiceValue", { field: msg(`field.${name}`), value: kept }));
    }
    this.showShape();
    return dropped;
  }

  /** The preset buttons of the mode: one per recipe the mode lists. */
  renderPresets() {
    const box = $("presets");
    box.replaceChildren();
    const mode = this.modes[this.mode];
    if (!mode) return;
    for (const name of mode.presets) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.testid = `preset-${name}`;
      button.dataset.recipe = name;
      track(button, recipeText(name, "title", this.recipes[name].title));
      track(button, recipeText(name, "description", this.recipes[name].description), "title");
      button.addEventListener("click", () => this.applyPreset(name));
      box.append(button);
    }
  }

  /** Show the mode's default recipe and its limits. */
  setMode(modeName) {
    this.mode = modeName;
    const mode = this.modes[modeName];
    if (!mode) return;
    $("samples").max = String(mode.max_samples);
    track($("train-hint"), recipeText(mode.recipe, "description", this.recipes[mode.recipe].description));
    this.renderPresets();
  }

  applyModeDefaults() {
    const mode = this.modes[this.mode];
    if (mode) this.applyPreset(mode.recipe);
  }

  /** Fill the form from a recipe; runs then start from that recipe (its settings not in the form too). */
  applyPreset(name) {
    this.preset = name;
    this.apply(this.recipes[name].settings);
  }

  /** The recipe a run starts from: the last preset applied, if it belongs to the current mode. */
  get recipe() {
    const mode = this.modes[this.mode];
    return mode.presets.includes(this.preset) || this.preset === mode.recipe ? this.preset : mode.recipe;
  }

  apply(values) {
    for (const name of [...NUMBER_FIELDS, ...CHOICE_FIELDS]) {
      if (name in values) $(name).value = String(values[name]);
    }
    for (const name of CHECK_FIELDS) {
      if (name in values) $(name).checked = Boolean(values[name]);
    }
    if ("hidden" in values) $("hidden").value = values.hidden.join(",");
    showMessage("settings-message", "");
    this.showShape();
  }

  /** Set the shape fields to a loaded model's (its hidden sizes, activation, loss, ...). */
  applyModel(info) {
    const values = { hidden: info.sizes.slice(1, -1) };
    for (const name of SHAPE_FIELDS) if (name in info) values[name] = info[name];
    this.apply(values);
  }

  /** The hidden sizes typed in the form ("500,100"; empty: none); throws a message when malformed. */
  readHidden() {
    // full-width digits and commas (５００，１００) and the Japanese comma (500、100) as typed with an IME
    const text = $("hidden").value.normalize("NFKC").replace(/[、､]/g, ",").trim();
    const [minLayers, maxLayers] = this.limits.hidden_layers;
    const [minWidth, maxWidth] = this.limits.hidden_width;
    const problem = messageError("settings.hidden", { minLayers, maxLayers, minWidth, maxWidth });
    if (!text) return [];
    const parts = text.split(",").map((p) => p.trim());
    if (parts.length > maxLayers || !parts.every((p) => /^\d{1,5}$/.test(p))) throw problem;
    const sizes = parts.map(Number);
    if (sizes.some((n) => n < minWidth || n > maxWidth)) throw problem;
    return sizes;
  }

  /** Show the network the form describes, with its size (Python counts; the page only shows).
   * Resolves to why the form cannot train as it is (a message-carrying Error), or null. */
  async showShape() {
    $("alpha-label").hidden = $("activation").value !== "leaky_relu";
    if (!this.describe || !this.modes[this.mode]) return null;
    const asked = (this.shapeAsked = (this.shapeAsked || 0) + 1);
    let text;
    let problem = null;
    try {
      const settings = this.read();
      const { sizes, parameters, multiply_adds: macs } = await this.describe(settings);
      text = msg("settings.shape", { sizes: sizes.join("-"), parameters, macs });
    } catch (error) {
      text = errorMessage(error);
      problem = error.key ? error : null; // (a field, or Python's limits; not a worker that is busy or gone)
    }
    if (asked === this.shapeAsked) track($("shape"), text);
    return problem;
  }

  /** The form's settings for a run of the current mode (only the fields `names`, if given); throws
   * an Error that names a bad field. */
  read(names = FIELDS) {
    const settings = { recipe: this.recipe };
    const wanted = (name) => names.includes(name);
    for (const name of CHOICE_FIELDS.filter(wanted)) settings[name] = $(name).value;
    for (const name of CHECK_FIELDS.filter(wanted)) settings[name] = $(name).checked;
    if (wanted("hidden")) settings.hidden = this.readHidden();
    for (const name of NUMBER_FIELDS.filter(wanted)) {
      const input = $(name);
      const value = Number(input.value);
      if (input.value === "" || !Number.isFinite(value) || !input.checkValidity()) {
        const whole = msg(this.limits.whole_numbers.includes(name) ? "settings.wholeNumber" : "settings.number");
        throw messageError("settings.outOfRange", { label: msg(`field.${name}`), whole, min: Number(input.min), max: Number(input.max) });
      }
      settings[name] = value;
    }
    return settings;
  }

  /** The settings one watched step uses (the other fields may be out of range meanwhile). */
  readForStep() {
    return this.read(this.stepFields);
  }

  /** Enable or disable every field and preset. */
  setDisabled(disabled) {
    for (const el of this.form.querySelectorAll("input, select, #presets button")) el.disabled = disabled;
  }
}

/**
 * The words of menu `field`'s choice `value`: Python's label, in the page's language; a component from the Lab (`origin`
 * "lab") is its visitor's own label, marked as the Lab's (never taken for a built-in of that name).
 */
export function choiceLabel(field, value, label, origin = null) {
  if (origin === "lab") return msg("menu.labComponent", { label: raw(label) });
  return has(`choice.${field}.${value}`) ? msg(`choice.${field}.${value}`) : raw(label);
}

/** A recipe's title or description, in the page's language (Python's English when no catalog has it). */
const recipeText = (name, part, english) => (has(`recipe.${name}.${part}`) ? msg(`recipe.${name}.${part}`) : raw(english));

/** A short description of a run's settings, for the legend of overlaid runs (a message). */
export function runLabel(s) {
  const label = (name) => choiceLabel(name, s[name], s[name]);
  return msg("run.label", {
    hidden: s.hidden.length ? s.hidden.join("-") : msg("run.noHidden"),
    activation: label("activation"),
    samples: s.samples,
    epochs: s.epochs,
    batch: s.batch_size,
    optimizer: label("optimizer"),
    lr: s.lr,
    schedule: s.lr_schedule === "linear" ? "→0" : "",
    loss: label("loss"),
    smoothing: s.label_smoothing ? msg("run.smoothing", { value: s.label_smoothing }) : "",
    init: s.init === "he" ? " · He" : "",
    dtype: s.dtype,
    augment: s.augment && s.augment !== "off" ? msg("run.augment", { level: label("augment") }) : "",
  });
}
