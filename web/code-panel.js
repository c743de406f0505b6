// The Code panel: pycore's own source for each part of a training step, read by Python from the
// installed package (pycore.source), shown read-only with its file's line numbers.
import { loadEditor } from "./editor-loader.js";
import { has, msg, onLanguageChange, raw, render, track } from "./i18n.js";
import { $, errorMessage, showMessage } from "./ui.js";

export class CodePanel {
  /** `app.worker` answers `source` requests; `app.ready` says whether it can. */
  constructor(app) {
    this.app = app;
    this.view = null;
    this.sections = []; // [{kind, name, title, group}] from Python's page config
    this.shown = ""; // "kind/name" in the view
    $("open-code").addEventListener("click", () => this.toggle());
    $("code-section").addEventListener("change", (e) => this.show(...e.target.value.split("/")));
    for (const button of document.querySelectorAll("[data-code-for]")) {
      button.addEventListener("click", () => this.showSetting(button.dataset.codeFor));
    }
    this.label = null; // the viewer's accessible name, as a message
    onLanguageChange(() => this.view && this.editor.setLabel(this.view, render(this.label)));
  }

  /** The sections Python offers (from the boot reply), as the menu's options, grouped. */
  configure(sections) {
    this.sections = sections;
    const select = $("code-section");
    const groups = new Map();
    for (const { kind, name, title, group } of sections) {
      if (!groups.has(group)) {
        const optgroup = document.createElement("optgroup");
        track(optgroup, sectionText(`code.group.${kind}`, group), "label");
        groups.set(group, optgroup);
      }
      const option = new Option(title, `${kind}/${name}`);
      track(option, sectionText(`code.section.${kind}.${name}`, title));
      if (kind !== "step") option.translate = false; // a class's name, as in the code: in every language
      groups.get(group).append(option);
    }
    const kept = select.value;
    select.replaceChildren(...groups.values());
    if (kept) select.value = kept;
  }

  get open() {
    return !$("code-panel").hidden;
  }

  toggle() {
    if (this.open) this.close();
    else this.show(...$("code-section").value.split("/")); // the menu holds the last part shown, else the first
  }

  close() {
    $("code-panel").hidden = true;
    $("open-code").setAttribute("aria-expanded", "false");
    track($("open-code"), msg("code.show"));
  }

  /** Open the panel at the code of a setting's current choice ("activation", "loss", "optimizer", "affine", "step"). */
  showSetting(setting) {
    if (!$(setting)) return this.show("step", setting); // a part of the training step (its name in pycore.source.STEP)
    const name = $(setting).value;
    if (!this.sections.some((s) => s.kind === setting && s.name === name)) {
      const step = this.sections.find((s) => s.kind === "step");
      this.show(step.kind, step.name);
      showMessage("code-message", msg("code.inLab", { kind: msg(`code.kind.${setting}`), name }), "ok");
      return;
    }
    this.show(setting, name);
  }

  /** Open the panel at one section, fetching its source from Python. */
  async show(kind, name) {
    $("code-panel").hidden = false;
    $("open-code").setAttribute("aria-expanded", "true");
    track($("open-code"), msg("code.hide"));
    $("code-section").value = `${kind}/${name}`;
    showMessage("code-message", "");
    $("code-panel").scrollIntoView({ block: "nearest" });
    if (!this.app.ready) {
      showMessage("code-message", msg("code.notReady"), "ok");
      return;
    }
    try {
      const [editor, source] = await Promise.all([loadEditor(), this.app.worker.request("source", { kind, name })]);
      this.editor = editor;
      this.label = msg("code.viewerLabel", { title: sectionText(`code.section.${kind}.${name}`, source.title), file: source.file });
      const code = { doc: source.code, firstLine: source.first_line, label: render(this.label) };
      if (!this.view) this.view = editor.codeViewer($("code-view"), code);
      else editor.showCode(this.view, code);
      track($("code-file"), msg("code.file", { file: source.file, line: source.first_line }));
      this.shown = `${kind}/${name}`;
      $("code-view").dataset.shown = this.shown; // tests wait on it
    } catch (error) {
      showMessage("code-message", msg("code.failed", { error: errorMessage(error) }));
    }
  }
}

/** A Code panel's group or section title in the page's language (Python's English without a catalog entry). */
const sectionText = (key, english) => (has(key) ? msg(key) : raw(english));
