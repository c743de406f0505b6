// Small DOM verbs shared by the panels: status line, messages, scores, durations, downloads.
// Text is given as messages ({key, params}, see i18n.js), so that it follows a switch of language.
import { formatNumber, msg, NO_VALUE, raw, t, track } from "./i18n.js";

export { formatDuration } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

export const READY = msg("status.ready");

/** The status line: a message ({key, params}) and its kind (info, busy, ready, error). */
export function setStatus(message, kind = "info") {
  const el = $("status");
  track(el, message);
  el.dataset.kind = kind;
}

/** A panel's message box: shown with `message`, hidden with "". */
export function showMessage(id, message, kind = "error") {
  const el = $(id);
  track(el, message || "");
  el.dataset.kind = kind;
  el.hidden = !message;
}

/** Offer a new deploy: the update bar (over the page's foot: it moves nothing), its Reload button,
 * which calls `apply` (once), and Later, which hides it until the next page load (or a newer deploy). */
export function offerUpdate(apply) {
  const offer = $("update-offer");
  const button = $("update");
  button.disabled = false;
  button.onclick = () => {
    button.disabled = true;
    apply();
  };
  if (!offerSetUp) setUpOffer(offer);
  offer.hidden = false; // (inside a live region that was there from the start: it is announced)
}

// While the offer shows, the page's end and a control given the focus scroll clear of it (style.css
// reads --offer-height, kept to its height: it wraps on a phone), and Later gives the focus back
// to where it was before it entered the offer.
let offerSetUp = false;
function setUpOffer(offer) {
  offerSetUp = true;
  let cameFrom = null;
  offer.addEventListener("focusin", (event) => {
    if (!offer.contains(event.relatedTarget)) cameFrom = event.relatedTarget;
  });
  $("update-later").addEventListener("click", () => {
    offer.hidden = true;
    if (cameFrom?.isConnected) cameFrom.focus(); // (a click from nowhere leaves it at the page's start)
  });
  const root = document.documentElement;
  new ResizeObserver(() => root.style.setProperty("--offer-height", `${offer.offsetHeight}px`)).observe(offer);
}

/** An Error that carries a message key and parameters (shown in the page's language). */
export function messageError(key, params = {}) {
  return Object.assign(new Error(t(key, params)), { key, params });
}

/**
 * What an error says, as a message: Python's and the worker's errors carry a key and parameters
 * (see worker-client.js); a browser's own error (IndexedDB, memory, storage) says its kind in the
 * page's language (its English text goes to the console); anything else is shown as it is.
 */
export function errorMessage(error) {
  if (error && error.key) return msg(error.key, error.params || {});
  const text = String(error && error.message !== undefined ? error.message : error);
  const name = error && typeof error.name === "string" ? error.name : "";
  if ((name && name !== "Error") || (typeof DOMException !== "undefined" && error instanceof DOMException)) {
    return browserError(name, text);
  }
  return raw(text);
}

/**
 * A browser's error as a message, from its name (QuotaExceededError, RangeError, UnknownError…) and
 * English text: out of memory and full storage are said as such, others by their name only.
 */
export function browserError(name, text = "") {
  console.error(`${name}: ${text}`);
  if (name === "QuotaExceededError" || /quota/i.test(text)) return msg("error.storageFull");
  if (/allocation failed|out of memory/i.test(text)) return msg("error.memory");
  return msg("error.other", { name: name || "Error" });
}

/** A score in at most about 8 characters: fixed for ordinary values, compact (2.26E187) for huge ones. */
export function formatScore(v, digits = 3) {
  if (!Number.isFinite(v)) return formatNumber(v);
  if (Math.abs(v) >= 1000) return formatNumber(v, { notation: "scientific", minimumSignificantDigits: 3, maximumSignificantDigits: 3 });
  return formatNumber(v, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
}

/** A row per digit of `classes` with its score, labelled by what the model's `outputs` are; with no
 * `scores` (nothing drawn), rows without one: the list and its label keep their height, and nothing
 * below them moves as the visitor draws and clears. */
export function renderScores(classes, scores, outputs) {
  const box = $("scores");
  track($("scores-label"), msg(outputs === "probabilities" ? "scores.probabilities" : "scores.raw"));
  box.replaceChildren();
  const best = scores ? scores.indexOf(Math.max(...scores)) : -1;
  classes.forEach((digit, i) => {
    const row = document.createElement("div");
    row.className = "score" + (i === best ? " best" : "");
    row.setAttribute("role", "listitem");
    row.dataset.digit = String(digit);
    const name = document.createElement("span");
    name.textContent = String(digit);
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.className = "fill";
    if (scores) fill.style.width = `${Math.round(100 * Math.min(1, Math.max(0, scores[i])))}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = scores ? formatScore(scores[i]) : NO_VALUE;
    row.append(name, bar, value);
    box.append(row);
  });
}

/** Save a Blob as a file, as a download link would. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
