// Small DOM verbs. The only module besides canvas/chart that touches the page's elements.

export const $ = (id) => document.getElementById(id);

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

export function renderConfusion(classes, confusion) {
  const table = $("confusion");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Rows: true digit · columns: predicted";
  const head = document.createElement("tr");
  head.append(document.createElement("th"));
  for (const c of classes) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = String(c);
    head.append(th);
  }
  table.append(caption, head);
  confusion.forEach((row, i) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(classes[i]);
    tr.append(th);
    row.forEach((n, j) => {
      const td = document.createElement("td");
      td.textContent = String(n);
      if (i === j) td.className = "diag";
      else if (n > 0) td.className = "off";
      tr.append(td);
    });
    table.append(tr);
  });
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
