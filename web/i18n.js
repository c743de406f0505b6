// The page's languages: every word a person reads comes from a catalog (web/i18n/<lang>.json, plus
// Python's own messages in English, which the build adds to the English catalog). The build puts
// them all in i18n/catalogs.js, a classic script loaded before this module, so the first paint is
// already in the visitor's language and file:// gets its message too.
//
// The language to start in is chosen by i18n-boot.js (a classic script in <head>), before anything paints.
//
// A message is {key, params}: code keeps the message, not its text, so a switch of language
// re-renders every status line, error and label in place (`track`), without reloading the page.

const DATA = globalThis.DIGITS_I18N; // i18n/catalogs.js, completed by i18n-boot.js
// (if either did not run, cut off say, the page does not start: file-check.js says so without them)
if (!DATA?.start) throw new ReferenceError("DIGITS_I18N.start");
/** [[code, name in its own language], …]: web/i18n/languages.json, the one list of languages. */
export const LANGUAGES = DATA.languages;
const CODES = LANGUAGES.map(([code]) => code);
const STORE_KEY = DATA.storeKey;
/** The shared link's fragment parameter for the language (#…&lang=ja). */
export const LINK_PARAM = DATA.linkParam;

// {name}, {name:,} or {name!r}. A number is shown as it is ("5000 steps"), or grouped for the
// language ("442,903") when its placeholder says `:,`; Python's templates use the same spec.
const PLACEHOLDER = /\{(\w+)(?:![rsa])?(?::([^{}]*))?\}/g;

const FULL_STOPS = ".。"; // sentence ends that a template and the message inside it may both have
// {steps, plural, one {# step} other {# steps}}: the words for the number `steps` (Intl.PluralRules
// of the language chooses; # is the number, grouped). A language without plurals writes {steps:,}.
export const PLURAL = /\{(\w+), plural, one \{([^{}]*)\} other \{([^{}]*)\}\}/g;

let current = CODES[0];
const tracked = new Map(); // element -> {text: message, attrs: {name: message}}

/** The language a code like "ja-JP" or "en" falls under, or null. */
export const matchLanguage = DATA.match;

export const language = () => current;

/** A message: what to show, kept as key and parameters so that it can be shown in any language. */
export const msg = (key, params = {}) => ({ key, params });
/** Text that is not a message (a traceback, a file name, a label the visitor wrote). */
export const raw = (text) => ({ text: String(text) });

/**
 * The text of `key` in the active language (English when the catalog lacks it, else the key). A
 * missing key or parameter is a bug: the console says so (once each), and the e2e suite fails on it.
 * With `slots`, a missing parameter is an element's slot that fillSlots places (data-i18n-slot).
 */
export function t(key, params = {}, { slots = false } = {}) {
  const template = DATA.catalogs[current]?.[key] ?? DATA.catalogs[CODES[0]]?.[key];
  if (template === undefined) {
    complain(`no message "${key}" in any catalog`);
    return key;
  }
  if (!(key in (DATA.catalogs[current] || {}))) complain(`no message "${key}" in the ${current} catalog`);
  const worded = template.replace(PLURAL, (whole, name, one, other) => {
    if (typeof params[name] !== "number") complain(`message "${key}" was given no number {${name}}`);
    return (pluralRules(current).select(params[name]) === "one" ? one : other).replaceAll("#", `{${name}:,}`);
  });
  return worded.replace(PLACEHOLDER, (whole, name, spec = "", at) => {
    if (!(name in params)) {
      if (!slots) complain(`message "${key}" was given no {${name}}`);
      return whole;
    }
    const value = params[name];
    if (typeof value === "number") return formatParam(value, spec.includes(","));
    const text = render(value);
    // a sentence inside a sentence ("Could not …: {error}。"): its own full stop is the template's
    const next = worded[at + whole.length];
    return next && FULL_STOPS.includes(next) && FULL_STOPS.includes(text.at(-1)) ? text.slice(0, -1) : text;
  });
}

const rules = new Map(); // language -> its Intl.PluralRules
const pluralRules = (code) => rules.get(code) ?? rules.set(code, new Intl.PluralRules(code)).get(code);

const complaints = new Set();
function complain(what) {
  if (complaints.has(what)) return;
  complaints.add(what);
  console.error(`i18n: ${what}`);
}

/** Whether a catalog has `key` (Lab components' labels and other visitor text have none). */
export const has = (key) => key in (DATA.catalogs[CODES[0]] || {});

/** Any message-like value as text: a string, {key, params}, {text}, a number or a list. */
export function render(m) {
  if (m === null || m === undefined) return "";
  if (typeof m === "string") return m;
  if (typeof m === "number") return formatParam(m, false);
  if (typeof m !== "object") return String(m); // a boolean from Python (a setting given as true)
  if (Array.isArray(m)) return m.map(render).join(t("list.separator")); // "0, 1, 2" / "0、1、2"
  if ("key" in m) return t(m.key, m.params || {});
  if ("duration" in m) return formatDuration(m.duration); // seconds
  if ("percent" in m) return formatPercent(m.percent); // a fraction
  if ("ago" in m) return formatAgo(m.ago); // a time, in ms since the epoch
  if ("text" in m) return m.text;
  return String(m);
}

/** A number for the active language (grouping, decimal sign); `options` as Intl.NumberFormat's. */
export function formatNumber(n, options = { maximumFractionDigits: 20 }) {
  if (typeof n !== "number") return String(n);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  return new Intl.NumberFormat(current, options).format(n);
}

/**
 * A number inside a message: a whole number in full (grouped when the placeholder says {x:,});
 * any other with at most 6 significant digits, in scientific notation when huge or tiny
 * (2.26E187, 1.2E-7), so that a diverged model's outputs or float noise never print 188 digits.
 */
export function formatParam(n, grouping = false) {
  if (Object.is(n, -0)) n = 0;
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return formatNumber(n, { useGrouping: grouping, maximumFractionDigits: 0 });
  const size = Math.abs(n);
  if (Number.isFinite(n) && (size >= 1e6 || (size > 0 && size < 1e-4))) {
    return formatNumber(n, { notation: "scientific", maximumSignificantDigits: 3 });
  }
  return formatNumber(n, { maximumSignificantDigits: 6, useGrouping: grouping });
}

/** `n` with `digits` significant digits for the language (0.4981, 6.67e-5 as 6.67E-5), never grouped. */
export function formatSignificant(n, digits) {
  const size = Math.abs(n);
  const scientific = Number.isFinite(n) && (size >= 1e6 || (size > 0 && size < 1e-4));
  return formatNumber(n, {
    notation: scientific ? "scientific" : "standard",
    minimumSignificantDigits: digits,
    maximumSignificantDigits: digits,
    useGrouping: false,
  });
}

/** What the page shows where a value is missing or not a number (index.html starts with it too). */
export const NO_VALUE = "–";

/** A percentage from a fraction, with `digits` decimals (0.9774 → "97.74 %" / "97.74%"). */
export const formatPercent = (fraction, digits = 2) => !Number.isFinite(fraction) ? NO_VALUE :
  t("unit.percent", { value: formatNumber(100 * fraction, { minimumFractionDigits: digits, maximumFractionDigits: digits }) });

/** A duration in seconds as units of the active language ("1 min 5 s" / "1分5秒"). */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return NO_VALUE;
  if (seconds < 9.95) return t("unit.seconds", { value: formatNumber(seconds, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
  const whole = Math.round(seconds); // rounded once: 59.6 s is "1 min 0 s", never "60 s"
  if (whole < 60) return t("unit.seconds", { value: formatNumber(whole) });
  if (whole < 3600) return t("unit.minutes", { minutes: formatNumber(Math.floor(whole / 60)), seconds: formatNumber(whole % 60) });
  const minutes = Math.round(whole / 60); // an hour or more: to the minute
  return t("unit.hours", { hours: formatNumber(Math.floor(minutes / 60)), minutes: formatNumber(minutes % 60) });
}

/** "3 minutes ago" for a time in ms since the epoch (Intl.RelativeTimeFormat). */
export function formatAgo(ms) {
  const seconds = Math.round((ms - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: "auto" });
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(seconds, "second");
}

/**
 * Show message `m` as `el`'s text (or, with `attr`, as that attribute), and show it again in the
 * new language after a switch. `m` is {key, params}, {text}, or "" to clear.
 */
export function track(el, m, attr = null) {
  let entry = tracked.get(el);
  if (!entry) tracked.set(el, (entry = { attrs: {} }));
  if (attr) entry.attrs[attr] = m;
  else entry.text = m;
  paint(el, entry, attr);
  if (tracked.size > 2000) prune();
}

/** The message `el` shows (as track set it), for tests and for panels that re-read it. */
export const trackedMessage = (el) => tracked.get(el)?.text;

function paint(el, entry, only = undefined) {
  if (only === undefined || only === null) {
    if ("text" in entry) el.textContent = render(entry.text);
  }
  for (const [name, m] of Object.entries(entry.attrs)) {
    if (only !== undefined && only !== name) continue;
    if (name === "label" && el.tagName === "OPTGROUP") el.label = render(m);
    else if (m === "") el.removeAttribute(name);
    else el.setAttribute(name, render(m));
  }
}

function prune() {
  for (const el of tracked.keys()) if (!el.isConnected) tracked.delete(el);
}

/**
 * The page's own text: an element with data-i18n="key" gets that message; a template's {name}
 * places the element's child with data-i18n-slot="name" (a <code>, an input) among the words.
 * data-i18n-attr="aria-label:key; title:key" sets attributes.
 */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) fillSlots(el, t(el.dataset.i18n, {}, { slots: true }));
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [name, key] = pair.split(":").map((s) => s.trim());
      if (name && key) el.setAttribute(name, t(key));
    }
  }
  if (root === document) {
    document.documentElement.lang = current;
    const description = document.querySelector('meta[name="description"]');
    if (description) description.content = t("page.description");
    document.title = t("page.title");
  }
}

function fillSlots(el, text) {
  const slots = Object.fromEntries([...el.querySelectorAll(":scope > [data-i18n-slot]")].map((c) => [c.dataset.i18nSlot, c]));
  if (!Object.keys(slots).length) {
    el.textContent = text;
    return;
  }
  el.replaceChildren(...slotted(text, slots));
}

/**
 * Text with {name} placeholders left in it (t(key, params, {slots: true})) as a list of strings and
 * nodes: the words around the placeholders, and `nodes[name]` in their places (a <code>, an input).
 */
export function slotted(text, nodes) {
  const parts = text.split(/\{(\w+)\}/); // text, slot name, text, …
  return parts.map((part, i) => (i % 2 ? nodes[part] ?? `{${part}}` : part)).filter((p) => p !== "");
}

/** Switch the page to `code`: static text, every tracked message, then a `languagechange` event. */
export function setLanguage(code, { remember = true } = {}) {
  const next = matchLanguage(code) || CODES[0];
  current = next;
  if (remember) {
    try {
      localStorage.setItem(STORE_KEY, next);
    } catch {
      // storage blocked: the choice lasts for this visit
    }
  }
  const link = new URLSearchParams(location.hash.slice(1));
  if (link.has(LINK_PARAM)) { // a shared link's language: keep the address in step with the page
    link.set(LINK_PARAM, next);
    history.replaceState(null, "", `#${link}`);
  }
  applyStatic();
  prune();
  for (const [el, entry] of tracked) {
    try {
      paint(el, entry);
    } catch (error) { // one bad message must not leave the rest of the page in the old language
      console.error(error);
    }
  }
  document.dispatchEvent(new CustomEvent("languagechange", { detail: { language: next } }));
}

/** Call `fn` after each switch of language (panels redraw what they draw themselves). */
export const onLanguageChange = (fn) => document.addEventListener("languagechange", fn);

/** The header's language menu: one option per language, named in its own language. */
export function languageSwitch(select) {
  select.replaceChildren(...LANGUAGES.map(([code, name]) => Object.assign(new Option(name, code), { lang: code })));
  select.value = current;
  select.addEventListener("change", () => setLanguage(select.value));
  onLanguageChange(() => (select.value = current));
}

/** Start: choose the language and put the page's own text in it (before anything else paints). */
export function startLanguage() {
  current = DATA.start;
  applyStatic();
  delete document.documentElement.dataset.i18nPending; // i18n-boot.js hid the page until now
}
