// The Lab: the visitor writes Python against pycore's extension API (pycore.extend), runs it in the
// worker, checks gradients, and trains with what it registers. Lab code never runs unasked: code
// that came from a link or an earlier visit waits for Run.
import { loadEditor } from "./editor-loader.js";
import { applyFields } from "./link.js";
import { msg, onLanguageChange, raw, t, track } from "./i18n.js";
import { choiceLabel } from "./settings.js";
import { $, errorMessage, showMessage } from "./ui.js";

const STORE_KEY = "digits-from-scratch-lab-code"; // the editor's text, kept across visits
const SAVE_AFTER_MS = 500;
const STOP_AFTER_MS = 400; // a run longer than this shows Stop
// Code that a restart ran again, after which Python stopped within this long while doing nothing else
// of weight (none of OTHER_WORK), is not run again at the next restart (it would stop it again and again).
const NOT_AGAIN_IF_STOPPED_WITHIN_MS = 30_000;
const OTHER_WORK = new Set(["train", "evaluate", "set-mode", "one-step", "load-model", "lab-run", "lab-check"]);

export class LabPanel {
  /** `app.worker`, `app.ready`, `app.settings` (menus), `app.life` (restart) and `app.models` are used. */
  constructor(app) {
    this.app = app;
    this.editor = null; // the editor module, once loaded
    this.view = null;
    this.example = ""; // from Python's page config
    this.checkable = [];
    this.lastGood = null; // the last code that ran without error (a shared link carries it)
    this.runAgain = false; // whether a restart runs it again: it registered components the form offers
    this.ranAgainAt = -Infinity; // when a restart last ran it again (performance.now())
    this.stoppedPython = false; // whether Python stopped soon after that, doing nothing else
    this.running = false;
    this.pendingText = null; // code to show once the editor exists (from a link)
    this.saveTimer = 0;
    this.savePending = false;
    this.stopTimer = 0;
    this.stopped = false; // the running request was given up by Stop
    this.quiet = false; // true while a link's code is put in the editor (not saved)
    this.fromLink = false; // the editor shows a link's code, not yet edited
    onLanguageChange(() => this.view && this.editor.setLabel(this.view, t("lab.editorLabel")));
    this.maxCode = 0; // characters, from Python
    this.pendingFields = new Map(); // a link's menu values that its Lab code registers: set after Run
    $("open-lab").addEventListener("click", () => (this.open ? this.close() : this.show()));
    $("lab-run").addEventListener("click", () => this.run());
    $("lab-stop").addEventListener("click", () => this.stop());
    $("lab-check").addEventListener("click", () => this.check());
    $("lab-reset").addEventListener("click", () => this.reset());
  }

  /** Take the worked example and what can be gradient-checked from Python's page config. */
  configure({ example, checked_kinds, max_code }, choices) {
    this.example = example;
    this.maxCode = max_code;
    this.checkable = checked_kinds;
    this.applyChoices(choices);
  }

  get open() {
    return !$("lab-panel").hidden;
  }

  close() {
    $("lab-panel").hidden = true;
    $("open-lab").setAttribute("aria-expanded", "false");
    track($("open-lab"), msg("lab.open"));
  }

  /** Open the Lab (loading the editor the first time) with the saved code, a link's, or the example. */
  async show() {
    $("lab-panel").hidden = false;
    $("open-lab").setAttribute("aria-expanded", "true");
    track($("open-lab"), msg("lab.close"));
    if (this.view) return this.placePending();
    try {
      this.editor = await loadEditor();
    } catch (error) {
      this.output(msg("lab.openFailed", { error: errorMessage(error) }), "error");
      return;
    }
    if (this.view) return this.placePending(); // opened twice while loading
    this.view = this.editor.codeEditor($("lab-editor"), {
      doc: this.savedText() ?? this.example,
      onRun: () => this.run(),
      onChange: (text) => this.save(text),
      label: t("lab.editorLabel"),
    });
    $("lab-editor").dataset.ready = "true"; // tests wait on it
    this.app.updateControls(); // Run needs the editor
    this.placePending();
  }

  placePending() {
    if (this.pendingText === null || !this.view) return;
    this.setQuietly(this.pendingText);
    this.fromLink = true; // the visitor's own saved code is kept until they edit this
    this.pendingText = null;
    this.app.updateControls();
  }

  /** Replace the editor's text without saving it (a link's code, or Reset while one is shown). */
  setQuietly(text) {
    this.quiet = true;
    this.editor.setText(this.view, text);
    this.quiet = false;
  }

  /** The editor's text (the pending link code until the editor exists). */
  text() {
    if (this.pendingText !== null) return this.pendingText;
    return this.view ? this.editor.textOf(this.view) : (this.savedText() ?? this.example);
  }

  /** Code that came from a link: shown, never run until Run is pressed, with a notice. */
  showFromLink(code) {
    this.pendingText = code;
    showMessage("lab-notice", msg("lab.fromLink"), "ok");
    // (the editor loads meanwhile: the page does not wait for it to say "ready")
    this.show().catch((error) => this.output(msg("lab.openFailed", { error: errorMessage(error) }), "error"));
  }

  /** The code to put in a shared link: the last code that ran (it registered what the form may
   * use), else the editor's when the visitor changed the example; else "". */
  codeForLink() {
    if (this.lastGood !== null) return this.lastGood; // the code that registered what the form may use
    const code = this.text();
    return code.trim() && code !== this.example ? code : "";
  }

  savedText() {
    try {
      return localStorage.getItem(STORE_KEY);
    } catch {
      return null; // storage blocked: the example
    }
  }

  save(text) {
    if (this.quiet) return;
    this.fromLink = false; // an edit: this is the visitor's code now
    clearTimeout(this.saveTimer);
    this.savePending = true; // tests wait for the save
    this.saveTimer = setTimeout(() => {
      this.savePending = false;
      try {
        if (text === this.example) localStorage.removeItem(STORE_KEY);
        else localStorage.setItem(STORE_KEY, text);
      } catch {
        // storage full or blocked: the code stays in the editor
      }
    }, SAVE_AFTER_MS);
  }

  /** The Lab's output line: a message ({key, params}, or {text} for Python's own output). */
  output(message, kind = "info") {
    const out = $("lab-output");
    track(out, message);
    out.dataset.kind = kind;
  }

  /** Run the editor's code in Python: it registers its components, and the form offers them. */
  async run() {
    const code = this.text();
    const result = await this.busy("lab-run", { code }, msg("lab.running"));
    if (!result) return;
    showMessage("lab-notice", "");
    result.registered ??= {}; // (a message the code itself posted as the worker's answer has none)
    const names = Object.entries(result.registered).flatMap(([kind, list]) => list.map((n) => `${kind} "${n}"`));
    this.lastGood = code;
    this.runAgain = names.length > 0; // (code that registered nothing is not run again)
    this.ranAgainAt = -Infinity;
    const registered = Object.entries(result.registered).flatMap(([kind, list]) =>
      list.map((name) => msg("lab.component", { kind: msg(`code.kind.${kind}`), name })));
    let said = registered.length ? msg("lab.registered", { names: registered }) : msg("lab.nothing");
    // Python's notes (built-ins put back), each a message, on lines of their own after the result
    for (const note of result.notes || []) said = msg("lab.outputThen", { output: said, said: note });
    const printed = result.output_key ? msg(result.output_key, result.output_params) : String(result.output ?? "").trimEnd();
    this.output(result.output ? msg("lab.outputThen", { output: printed, said }) : said, "ok");
    $("lab-output").dataset.registered = names.join(",");
    if (result.choices) this.applyChoices(result.choices, result.registered);
    this.applyPendingFields();
    await this.app.onLabRun();
  }

  /** Check the chosen activation's or loss's backward against the numerical derivative. */
  async check() {
    const [kind, name] = $("lab-check-target").value.split("/");
    if (!kind) return;
    const result = await this.busy("lab-check", { kind, name }, msg("lab.checking"));
    if (!result) return;
    const explanation = result.explanation_key ? msg(result.explanation_key, result.explanation_params) : raw(result.explanation);
    this.output(msg("lab.checkResult", { name: result.name, explanation }), result.passed ? "ok" : "error");
    $("lab-output").dataset.maxError = String(result.max_relative_error);
  }

  /**
   * Send one Lab request to Python, with Stop offered while it runs: its result, or null after an
   * error (shown) or a Stop.
   */
  async busy(type, args, saying) {
    if (this.running) return null;
    if (!this.app.ready || this.app.training) {
      this.output(msg(this.app.training ? "lab.waitTraining" : "lab.notReady"), "error");
      return null;
    }
    this.stopped = false;
    this.setRunning(true);
    this.output(saying, "busy");
    try {
      return await this.app.worker.request(type, args);
    } catch (error) {
      if (!this.stopped) {
        const dead = this.app.worker.dead;
        this.output(dead ? msg("lab.didNotFinish", { error: errorMessage(error) }) : errorMessage(error), "error");
        if (error.key === "lab.broke_pycore") this.app.life.restart(); // (a Python it broke is of no use; the last good code runs again)
      }
      return null;
    } finally {
      this.stopped = false;
      this.setRunning(false);
    }
  }

  /** The link's menu values that needed this code: set them now that its components exist. */
  applyPendingFields() {
    if (!this.pendingFields.size) return;
    const missed = applyFields(this.app.settings, this.pendingFields);
    const set = [...this.pendingFields.keys()].filter((name) => !missed.some((m) => m.params.field === name));
    this.pendingFields = new Map();
    this.app.settings.showShape();
    if (set.length) showMessage("settings-message", msg("link.setAfterRun", { names: set }), "ok");
    if (missed.length) showMessage("settings-message", msg("link.ignoredOnly", { names: missed }));
  }

  /**
   * After a restart, run the last good code again (quietly) if it registered components: the form
   * may use them. Other code is not run again (what it changed went with the old Python), nor code
   * that stopped Python soon after the last restart ran it (it would again). Returns the new menus, or null.
   */
  async reregister() {
    if (this.lastGood === null || !this.runAgain) return null;
    if (this.stoppedPython) {
      this.runAgain = this.stoppedPython = false;
      this.output(msg("lab.notRunAgain"), "error");
      return null;
    }
    try {
      const { choices } = await this.app.worker.request("lab-run", { code: this.lastGood });
      this.ranAgainAt = performance.now();
      return choices;
    } catch {
      this.lastGood = null;
      this.runAgain = false;
      return null;
    }
  }

  /** Python stopped (worker-life.js), while working on requests of the types `busyWith`. */
  pythonStopped(busyWith) {
    const soon = performance.now() - this.ranAgainAt < NOT_AGAIN_IF_STOPPED_WITHIN_MS;
    this.stoppedPython = soon && !busyWith.some((type) => OTHER_WORK.has(type));
  }

  /** Stop a run that does not finish: the worker is restarted (the page keeps its state). */
  stop() {
    if (!this.running) return;
    this.stopped = true;
    this.output(msg("lab.stopped"), "error");
    this.setRunning(false);
    if (this.view) this.view.focus(); // Stop hides itself (and Run waits for Python): back to the code
    this.app.life.restart();
  }

  setRunning(running) {
    this.running = running;
    clearTimeout(this.stopTimer);
    if (running) this.stopTimer = setTimeout(() => ($("lab-stop").hidden = !this.running), STOP_AFTER_MS);
    else $("lab-stop").hidden = true;
    this.app.updateControls();
  }

  setDisabled(disabled) {
    // no Run before the editor shows the code (it may not load offline): nothing runs unseen
    $("lab-run").disabled = disabled || this.running || !this.view;
    for (const id of ["lab-check", "lab-check-target"]) $(id).disabled = disabled || this.running;
  }

  /** Fill the form's menus with Python's choices, and the gradient check's targets (the newly
   * registered one chosen). */
  applyChoices(choices, registered = {}) {
    const dropped = this.app.settings.setChoices(choices);
    if (dropped.length) {
      showMessage("settings-message", msg("lab.dropped", { names: dropped }));
    }
    const select = $("lab-check-target");
    const kept = select.value;
    const options = this.checkable.flatMap((kind) =>
      (choices[kind] || []).map(([name, label, origin]) => {
        const option = new Option("", `${kind}/${name}`);
        track(option, msg("lab.checkOption", { kind: msg(`code.kind.${kind}`), label: choiceLabel(kind, name, label, origin) }));
        return option;
      }));
    select.replaceChildren(...options);
    const fresh = this.checkable.flatMap((kind) => (registered[kind] || []).map((name) => `${kind}/${name}`));
    if (fresh.length) select.value = fresh[0];
    else if (kept && options.some((o) => o.value === kept)) select.value = kept;
  }

  /** Bring back the worked example (one undoable change: Ctrl+Z brings the code back). */
  reset() {
    if (!this.view) return;
    if (this.fromLink) this.setQuietly(this.example); // the visitor's own saved code stays saved
    else this.editor.setText(this.view, this.example);
    showMessage("lab-notice", "");
    this.output(msg("lab.resetDone"), "ok");
  }
}
