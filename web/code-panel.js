// The Code panel: pycore's own source for each part of a training step, read by Python from the
// installed package (pycore.source), shown read-only with its file's line numbers.
import { loadEditor } from "./editor-loader.js";
import { $, showMessage } from "./ui.js";

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
  }

  /** The sections Python offers (from the boot reply), as the menu's options, grouped. */
  configure(sections) {
    this.sections = sections;
    const select = $("code-section");
    const groups = new Map();
    for (const { kind, name, title, group } of sections) {
      if (!groups.has(group)) groups.set(group, Object.assign(document.createElement("optgroup"), { label: group }));
      groups.get(group).append(new Option(title, `${kind}/${name}`));
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
    else this.show(...($("code-section").value || "step/step").split("/"));
  }

  close() {
    $("code-panel").hidden = true;
    $("open-code").setAttribute("aria-expanded", "false");
    $("open-code").textContent = "Show the code";
  }

  /** Open the panel at the code of a setting's current choice ("activation", "loss", "optimizer", "affine", "step"). */
  showSetting(setting) {
    if (setting === "affine" || setting === "step") return this.show("step", setting);
    const name = $(setting).value;
    if (!this.sections.some((s) => s.kind === setting && s.name === name)) {
      this.show("step", "step");
      showMessage("code-message", `The ${setting} "${name}" was written in the Lab: its code is in the Lab's editor.`, "ok");
      return;
    }
    this.show(setting, name);
  }

  /** Open the panel at one section, fetching its source from Python. */
  async show(kind, name) {
    $("code-panel").hidden = false;
    $("open-code").setAttribute("aria-expanded", "true");
    $("open-code").textContent = "Hide the code";
    $("code-section").value = `${kind}/${name}`;
    showMessage("code-message", "");
    $("code-panel").scrollIntoView({ block: "nearest" });
    if (!this.app.ready) {
      showMessage("code-message", "The code appears when Python is ready.", "ok");
      return;
    }
    try {
      const [editor, source] = await Promise.all([loadEditor(), this.app.worker.request("source", { kind, name })]);
      const code = { doc: source.code, firstLine: source.first_line, label: `${source.title}, ${source.file}` };
      if (!this.view) this.view = editor.codeViewer($("code-view"), code);
      else editor.showCode(this.view, code);
      $("code-file").textContent = `${source.file}, from line ${source.first_line}: the code this page runs, read from the installed package.`;
      this.shown = `${kind}/${name}`;
      $("code-view").dataset.shown = this.shown; // tests wait on it
    } catch (error) {
      showMessage("code-message", `Could not show the code: ${error.message}`);
    }
  }
}
