// Small DOM verbs shared by the panels: status line, messages, scores, durations, downloads.

export const $ = (id) => document.getElementById(id);

export const READY = "Python is ready: draw a digit, or train the network.";

export function setStatus(text, kind = "info") {
  const el = $("status");
  el.textContent = text;
  el.dataset.kind = kind;
}

export function showMessage(id, text, kind = "error") {
  const el = $(id);
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}

/** A score in at most about 8 characters: fixed for ordinary values, compact (2.26e+187) for huge ones. */
export function formatScore(v, digits = 3) {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  return Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(digits);
}

export function renderScores(classes, scores, outputs) {
  const box = $("scores");
  $("scores-label").textContent = outputs === "probabilities" ? "Probabilities" : "Scores (raw outputs, not probabilities)";
  box.replaceChildren();
  const best = scores.indexOf(Math.max(...scores));
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
    fill.style.width = `${Math.round(100 * Math.min(1, Math.max(0, scores[i])))}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = formatScore(scores[i]);
    row.append(name, bar, value);
    box.append(row);
  });
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
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
