// The code editor of the Code and Lab panels: CodeMirror 6 (pinned in package-lock.json), bundled
// by esbuild into the site's vendor/editor.js, which the page imports only when a panel opens.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// Colours for the page's dark cards, each at least 4.5:1 against the background (axe checks).
const highlight = HighlightStyle.define([
  { tag: t.keyword, color: "#ffa7c4" },
  { tag: [t.string, t.special(t.string)], color: "#b5e48c" },
  { tag: t.comment, color: "#a9b4c8", fontStyle: "italic" },
  { tag: [t.number, t.bool, t.null], color: "#ffcf70" },
  { tag: [t.function(t.definition(t.variableName)), t.function(t.variableName)], color: "#8cc8ff" },
  { tag: [t.className, t.definition(t.className)], color: "#ffd479" },
  { tag: [t.self, t.special(t.variableName)], color: "#d7b8ff" },
  { tag: t.operator, color: "#e8edf6" },
]);
const theme = EditorView.theme(
  {
    "&": { color: "#e8edf6", backgroundColor: "#10151f", fontSize: "0.9rem", maxHeight: "70vh" },
    ".cm-content": { caretColor: "#ffb020", fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
    ".cm-gutters": { backgroundColor: "#10151f", color: "#a9b4c8", borderRight: "1px solid #2a3550" },
    ".cm-activeLine": { backgroundColor: "#1b2335" },
    ".cm-activeLineGutter": { backgroundColor: "#1b2335", color: "#e8edf6" },
    "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "#2f4a7a" },
    "&.cm-focused": { outline: "2px solid #7fb2ff" },
    ".cm-scroller": { overflow: "auto" },
  },
  { dark: true },
);

// The page's CSP (style-src 'self') refuses <style> elements. In a shadow root CodeMirror puts its
// styles in constructable style sheets instead, which the CSP allows: each editor lives in one.
// (The e2e suite fails on any CSP violation.)
function shadowOf(parent) {
  return parent.shadowRoot || parent.attachShadow({ mode: "open" });
}
const shared = () => [python(), syntaxHighlighting(highlight), theme, EditorView.lineWrapping];

// The editor's accessible name, in a compartment of its own, so that a switch of the page's language
// can say it again (setLabel) without rebuilding the editor.
const labelSlot = new Compartment();
const labelled = (label) => labelSlot.of(EditorView.contentAttributes.of({ "aria-label": label }));

/** Give the editor or viewer `view` a new accessible name (the page's language changed). */
export function setLabel(view, label) {
  view.dispatch({ effects: labelSlot.reconfigure(EditorView.contentAttributes.of({ "aria-label": label })) });
}

const viewer = (firstLine, label) => [
  ...shared(),
  lineNumbers({ formatNumber: (n) => String(n + firstLine - 1) }),
  EditorState.readOnly.of(true),
  EditorView.contentAttributes.of({ "aria-readonly": "true" }),
  labelled(label),
];

/** A read-only view of `doc` whose line numbers start at `firstLine` (the line in its file). */
export function codeViewer(parent, { doc, firstLine = 1, label }) {
  const root = shadowOf(parent);
  return new EditorView({ parent: root, root, state: EditorState.create({ doc, extensions: viewer(firstLine, label) }) });
}

/** Show another text in a viewer, numbered from `firstLine`. */
export function showCode(view, { doc, firstLine = 1, label }) {
  view.setState(EditorState.create({ doc, extensions: viewer(firstLine, label) }));
}

/**
 * An editor for the Lab: Python, line numbers, undo, Tab indents (Escape then Tab leaves the
 * editor), and `onRun` on Ctrl/Cmd-Enter; `onChange(text)` after every change.
 */
export function codeEditor(parent, { doc, onRun, onChange, label }) {
  const root = shadowOf(parent);
  return new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc,
      extensions: [
        ...shared(),
        lineNumbers(),
        EditorView.theme({ ".cm-content, .cm-gutter": { minHeight: "16em" } }),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
        labelled(label),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && onChange) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
}

/** The editor's text. */
export const textOf = (view) => view.state.doc.toString();

/** Replace the editor's whole text (one undoable change). */
export function setText(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
