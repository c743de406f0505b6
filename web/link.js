// Share a run by link: the Digits mode and every training setting go in the URL's fragment
// (#mode=0-9&lr=0.004&hidden=500,100…). Opening such a link restores them, field by field: a value
// that the form refuses (wrong type, out of range, unknown) is ignored and named in a message.
import { switchMode } from "./modes.js";
import { CHOICE_FIELDS, FIELDS } from "./settings.js";
import { $, showMessage } from "./ui.js";

const MAX_FRAGMENT = 8192; // settings are about 250 characters, plus Lab code up to MAX_LINK_CODE
const MAX_LINK_CODE = 6000; // base64url characters of compressed Lab code (about 4.5 KB) a link may carry
const CODE_FORMAT = "deflate-raw";

/** Lab code as base64url of its deflate-raw compression (CompressionStream). */
export async function packCode(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(CODE_FORMAT));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The Lab code a link carries, or throws a message: not base64url, not deflate, too long, not UTF-8. */
export async function unpackCode(packed, maxChars) {
  if (packed.length > MAX_LINK_CODE) throw new Error(`its code is too long (${packed.length} characters)`);
  if (!/^[A-Za-z0-9_-]*$/.test(packed)) throw new Error("its code is not in the link's format");
  let bytes;
  try {
    bytes = Uint8Array.from(atob(packed.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("its code is not in the link's format");
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(CODE_FORMAT));
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > 4 * maxChars) throw new Error("its code is too long once unpacked");
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw new Error(error.message.startsWith("its code") ? error.message : "its code is damaged (not compressed Lab code)");
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await new Blob(chunks).arrayBuffer());
  } catch {
    throw new Error("its code is not UTF-8 text");
  }
  if (text.length > maxChars) throw new Error(`its code is ${text.length} characters long (at most ${maxChars})`);
  return text;
}

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
  const code = fields.get("code");
  fields.delete("mode");
  fields.delete("code");
  return { mode, code, fields };
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
  const { mode, code, fields, problem } = parseFragment(location.hash);
  if (problem) return reportLink([], problem);
  if (mode === undefined && code === undefined && !fields.size) return;
  const ignored = [];
  if (mode !== undefined && !Object.hasOwn(app.modes, mode)) ignored.push(`mode (${String(mode).slice(0, 20)})`);
  else if (mode !== undefined && mode !== app.mode) await switchMode(app, mode);
  const recipe = fields.get("recipe"); // the preset the link's run started from
  fields.delete("recipe");
  if (recipe !== undefined && app.modes[app.mode].presets.includes(recipe)) app.settings.preset = recipe;
  else if (recipe !== undefined) ignored.push(`recipe (${recipe.slice(0, 20)})`);
  const missed = applyFields(app.settings, fields);
  if (code !== undefined) {
    try {
      await app.lab.showFromLink(await unpackCode(code, app.lab.maxCode));
      // a menu value the link's Lab code registers: set once the visitor runs that code
      app.lab.pendingFields = new Map([...fields].filter(([name]) => CHOICE_FIELDS.includes(name) &&
        missed.some((m) => m.startsWith(`${name} (`))));
    } catch (error) {
      ignored.push(`code (${error.message})`);
    }
  }
  const waiting = app.lab.pendingFields;
  ignored.push(...missed.filter((m) => !waiting.has(m.split(" (")[0])));
  app.settings.showShape();
  reportLink(ignored);
  if (waiting.size) {
    const names = [...waiting].map(([name, value]) => `${name} ${value.slice(0, 20)}`).join(", ");
    showMessage("settings-message", `Settings from the link restored; ${names} will be set once you run the link's Lab code.`, "ok");
  }
}

/** Copy a link to this experiment (`mode` and the form's settings); the address bar shows it too. */
export async function copyLink(mode, form, lab) {
  let settings;
  try {
    settings = form.read();
  } catch (error) {
    showMessage("settings-message", error.message);
    return;
  }
  const url = new URL(location.href);
  url.hash = experimentFragment(mode, settings);
  const code = lab.codeForLink();
  let left = "";
  if (code) {
    const packed = await packCode(code);
    if (packed.length <= MAX_LINK_CODE) url.hash += `&code=${packed}`;
    else left = ` The Lab code is too long for a link (${packed.length} characters packed, at most ${MAX_LINK_CODE}): it is not in it.`;
  }
  history.replaceState(null, "", url);
  try {
    await navigator.clipboard.writeText(url.href);
    showMessage("settings-message", `Link copied: it opens this page with these settings${code && !left ? " and your Lab code" : ""}.${left}`, "ok");
  } catch {
    showMessage("settings-message", `Copy this link: ${url.href}${left}`, "ok");
  }
  $("copy-link").dataset.link = url.href; // tests read it
}
