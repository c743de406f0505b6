// Share a run by link: the Digits mode and every training setting go in the URL's fragment
// (#mode=0-9&lr=0.004&hidden=500,100…&lang=ja; the language is read at start-up by i18n.js). Opening such a link restores them, field by field: a value
// that the form refuses (wrong type, out of range, unknown) is ignored and named in a message.
import { switchMode } from "./modes.js";
import { CHOICE_FIELDS, FIELDS } from "./settings.js";
import { has, language, LINK_PARAM, matchLanguage, msg, raw, setLanguage } from "./i18n.js";
import { $, errorMessage, messageError, showMessage } from "./ui.js";

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
  if (packed.length > MAX_LINK_CODE) throw messageError("link.codeTooLong", { length: packed.length });
  if (!/^[A-Za-z0-9_-]*$/.test(packed)) throw messageError("link.codeFormat");
  let bytes;
  try {
    bytes = Uint8Array.from(atob(packed.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  } catch {
    throw messageError("link.codeFormat");
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
      if (size > 4 * maxChars) throw messageError("link.codeTooLongUnpacked");
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error.key ? error : messageError("link.codeDamaged");
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await new Blob(chunks).arrayBuffer());
  } catch {
    throw messageError("link.codeNotText");
  }
  if (text.length > maxChars) throw messageError("link.codeTooManyChars", { length: text.length, max: maxChars });
  return text;
}

/** The fragment for the current mode and settings (as SettingsForm.read returns them). */
export function experimentFragment(mode, settings, lang = language()) {
  const params = new URLSearchParams({ mode });
  for (const [name, value] of Object.entries(settings)) {
    if (Array.isArray(value)) params.set(name, value.join(","));
    else if (typeof value === "boolean") params.set(name, value ? "1" : "0");
    else params.set(name, String(value));
  }
  params.set(LINK_PARAM, lang);
  return params.toString();
}

/** The fields a fragment holds: {mode, fields: Map(name -> text)} or {problem}. */
export function parseFragment(hash) {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!text) return { fields: new Map() };
  if (text.length > MAX_FRAGMENT) return { problem: msg("link.tooLong", { length: text.length }) };
  const params = new URLSearchParams(text);
  const fields = new Map();
  for (const [name, value] of params) fields.set(name, value);
  const mode = fields.get("mode");
  const code = fields.get("code");
  const lang = fields.get(LINK_PARAM); // the page's language (at start-up, i18n-boot.js chose it already)
  fields.delete("mode");
  fields.delete("code");
  fields.delete(LINK_PARAM);
  return { mode, code, lang, fields };
}

/** A link field's name as the form labels it ("lr": Learning rate), or as written when it is no field. */
const fieldName = (name) => (has(`field.${name}`) ? msg(`field.${name}`) : raw(name || '""'));

/**
 * Put a link's fields into the form, one by one, each checked by the form's own rules (the limits
 * come from Python). Returns the ignored fields as messages (`params.field`: the field's name).
 */
export function applyFields(form, fields) {
  const ignored = [];
  for (const [name, text] of fields) {
    const el = FIELDS.includes(name) ? form.form.elements.namedItem(name) : null;
    if (!el) {
      ignored.push(msg("link.notSetting", { name: fieldName(name), field: name }));
      continue;
    }
    const before = el.type === "checkbox" ? el.checked : el.value;
    if (el.type === "checkbox") {
      if (text !== "0" && text !== "1") {
        ignored.push(msg("link.notBoolean", { name: fieldName(name), field: name }));
        continue;
      }
      el.checked = text === "1";
      continue;
    }
    el.value = text;
    let ok = el.value === text && (el.tagName !== "SELECT" || el.selectedIndex >= 0); // (a menu has no empty choice)
    ok &&= el.tagName !== "INPUT" || el.type !== "number" || (text !== "" && el.checkValidity());
    if (ok && name === "hidden") {
      try {
        form.readHidden();
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      el.value = before;
      ignored.push(msg("link.badValue", { name: fieldName(name), field: name, value: text.length > 20 ? `${text.slice(0, 20)}…` : text }));
    }
  }
  return ignored;
}

/** Show what a link did: restored, or which fields it ignored; and, if given, why the form
 * cannot train with them (`cannotTrain`: each field in range, too big a network together, say). */
export function reportLink(ignored, problem, cannotTrain = null) {
  if (problem) return showMessage("settings-message", msg("link.problem", { problem }));
  let said = msg("link.restored");
  if (ignored.length > 5) said = msg("link.ignoredMore", { names: ignored.slice(0, 5), more: ignored.length - 5 });
  else if (ignored.length) said = msg("link.ignored", { names: ignored });
  if (cannotTrain) said = msg("link.then", { first: said, second: msg("link.cannotTrain", { error: errorMessage(cannotTrain) }) });
  showMessage("settings-message", said, ignored.length || cannotTrain ? "error" : "ok");
}

/** Restore the experiment in the URL's fragment, if any, into `app`'s mode and form. */
export async function restoreLink(app, { beforeReady = false } = {}) {
  const { mode, code, lang, fields, problem } = parseFragment(location.hash);
  if (problem) return reportLink([], problem);
  if (mode === undefined && code === undefined && !fields.size && lang === undefined) return;
  const ignored = [];
  const linked = lang === undefined ? undefined : matchLanguage(lang);
  if (linked === null) ignored.push(msg("link.badValue", { name: raw(LINK_PARAM), value: lang.slice(0, 20) }));
  else if (linked && linked !== language()) setLanguage(linked, { remember: false }); // (a link opened in this tab)
  if (mode === undefined && code === undefined && !fields.size) { // (only a language: nothing was restored)
    if (ignored.length) showMessage("settings-message", msg("link.ignoredOnly", { names: ignored }));
    return;
  }
  if (mode !== undefined && !Object.hasOwn(app.modes, mode)) ignored.push(msg("link.badValue", { name: fieldName("mode"), value: String(mode).slice(0, 20) }));
  else if (mode !== undefined && mode !== app.mode) await switchMode(app, mode, { quiet: beforeReady });
  const recipe = fields.get("recipe"); // the preset the link's run started from
  fields.delete("recipe");
  if (recipe !== undefined && app.modes[app.mode].presets.includes(recipe)) app.settings.preset = recipe;
  else if (recipe !== undefined) ignored.push(msg("link.badValue", { name: fieldName("recipe"), value: recipe.slice(0, 20) }));
  const missed = applyFields(app.settings, fields);
  if (code !== undefined) {
    try {
      app.lab.showFromLink(await unpackCode(code, app.lab.maxCode));
      // a menu value the link's Lab code registers: set once the visitor runs that code
      app.lab.pendingFields = new Map([...fields].filter(([name]) => CHOICE_FIELDS.includes(name) &&
        missed.some((m) => m.params.field === name)));
    } catch (error) {
      ignored.push(msg("link.badCode", { error: errorMessage(error) }));
    }
  }
  const waiting = app.lab.pendingFields;
  ignored.push(...missed.filter((m) => !waiting.has(m.params.field)));
  // each field may be in range, and together they may still not train (too many parameters, say)
  const cannotTrain = await app.settings.showShape();
  reportLink(ignored, null, waiting.size || app.worker.dead ? null : cannotTrain);
  if (waiting.size) {
    const names = [...waiting].map(([name, value]) => `${name} ${value.slice(0, 20)}`);
    showMessage("settings-message", msg("link.waiting", { names }), "ok");
  }
}

/** Copy a link to this experiment (`mode` and the form's settings); the address bar shows it too. */
export async function copyLink(mode, form, lab) {
  let settings;
  try {
    settings = form.read();
  } catch (error) {
    showMessage("settings-message", errorMessage(error));
    return;
  }
  const url = new URL(location.href);
  url.hash = experimentFragment(mode, settings);
  const code = lab.codeForLink();
  let left = "";
  if (code) {
    const packed = await packCode(code);
    if (packed.length <= MAX_LINK_CODE) url.hash += `&code=${packed}`;
    else left = msg("link.codeLeftOut", { length: packed.length, max: MAX_LINK_CODE });
  }
  history.replaceState(null, "", url);
  try {
    await navigator.clipboard.writeText(url.href);
    showMessage("settings-message", msg(code && !left ? "link.copiedWithCode" : "link.copied", { left }), "ok");
  } catch {
    showMessage("settings-message", msg("link.copyThis", { url: url.href, left }), "ok");
  }
  $("copy-link").dataset.link = url.href; // tests read it
}
