// Share a run by link: the Digits mode and every training setting go in the URL's fragment
// (#mode=0-9&lr=0.004&hidden=500,100…). Opening such a link restores them, field by field: a value
// that the form refuses (wrong type, out of range, unknown) is ignored and named in a message.
import { switchMode } from "./modes.js";
import { FIELDS } from "./settings.js";
import { $, showMessage } from "./ui.js";

const MAX_FRAGMENT = 2048; // a real link is about 250 characters; longer ones are not ours

/** The fragment for the current mode and settings (as SettingsForm.read returns them). */
export function experimentFragment(mode, settings) {
  const params = new URLSearchParams({ mode });
  for (const [name, value] of Object.entries(settings)) {
    if (Array.isArray(value)) params.set(name, value.join(","));
    else if (typeof value === "boolean") params.set(name, value ? "1" : "0");
    else params.set(name, String(value));
  }
  return params.toString();
}

/** The fields a fragment holds: {mode, fields: Map(name -> text)} or {problem}. */
export function parseFragment(hash) {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!text) return { fields: new Map() };
  if (text.length > MAX_FRAGMENT) return { problem: `the link's settings are too long (${text.length} characters) and were ignored` };
  const params = new URLSearchParams(text);
  const fields = new Map();
  for (const [name, value] of params) fields.set(name, value);
  const mode = fields.get("mode");
  fields.delete("mode");
  return { mode, fields };
}

/**
 * Put a link's fields into the form, one by one, each checked by the form's own rules (the limits
 * come from Python). Returns the names of the ignored fields with why.
 */
export function applyFields(form, fields) {
  const ignored = [];
  for (const [name, text] of fields) {
    const el = FIELDS.includes(name) ? form.form.elements.namedItem(name) : null;
    if (!el) {
      ignored.push(`${name} (not a setting)`);
      continue;
    }
    const before = el.type === "checkbox" ? el.checked : el.value;
    if (el.type === "checkbox") {
      if (text !== "0" && text !== "1") {
        ignored.push(`${name} (not 0 or 1)`);
        continue;
      }
      el.checked = text === "1";
      continue;
    }
    el.value = text;
    let ok = el.value === text && (el.tagName !== "INPUT" || el.type !== "number" || (text !== "" && el.checkValidity()));
    if (ok && name === "hidden") {
      try {
        form.readHidden();
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      el.value = before;
      ignored.push(`${name} (${text.length > 20 ? `${text.slice(0, 20)}…` : text})`);
    }
  }
  return ignored;
}

/** Show what a link did: restored, or which fields it ignored. */
export function reportLink(ignored, problem) {
  if (problem) showMessage("settings-message", `Settings from the link: ${problem}.`);
  else if (ignored.length) {
    const named = ignored.slice(0, 5).join(", ") + (ignored.length > 5 ? ` and ${ignored.length - 5} more` : "");
    showMessage("settings-message", `Settings from the link: ignored ${named}; the rest were restored.`);
  }
  else showMessage("settings-message", "Settings restored from the link.", "ok");
}

/** Restore the experiment in the URL's fragment, if any, into `app`'s mode and form. */
export async function restoreLink(app) {
  const { mode, fields, problem } = parseFragment(location.hash);
  if (problem) return reportLink([], problem);
  if (mode === undefined && !fields.size) return;
  const ignored = [];
  if (mode !== undefined && !Object.hasOwn(app.modes, mode)) ignored.push(`mode (${String(mode).slice(0, 20)})`);
  else if (mode !== undefined && mode !== app.mode) await switchMode(app, mode);
  const recipe = fields.get("recipe"); // the preset the link's run started from
  fields.delete("recipe");
  if (recipe !== undefined && app.modes[app.mode].presets.includes(recipe)) app.settings.preset = recipe;
  else if (recipe !== undefined) ignored.push(`recipe (${recipe.slice(0, 20)})`);
  ignored.push(...applyFields(app.settings, fields));
  app.settings.showShape();
  reportLink(ignored);
}

/** Copy a link to this experiment (`mode` and the form's settings); the address bar shows it too. */
export async function copyLink(mode, form) {
  let settings;
  try {
    settings = form.read();
  } catch (error) {
    showMessage("settings-message", error.message);
    return;
  }
  const url = new URL(location.href);
  url.hash = experimentFragment(mode, settings);
  history.replaceState(null, "", url);
  try {
    await navigator.clipboard.writeText(url.href);
    showMessage("settings-message", "Link copied: it opens this page with these settings.", "ok");
  } catch {
    showMessage("settings-message", `Copy this link: ${url.href}`, "ok");
  }
  $("copy-link").dataset.link = url.href; // tests read it
}
