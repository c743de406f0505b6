// Results on the test images: accuracy, confusion matrix, the first test images and the mistakes.
import { paintDigit } from "./canvas.js";
import { msg, track } from "./i18n.js";
import { $, errorMessage, formatScore, READY, setStatus } from "./ui.js";

const GALLERY_BATCH = 8; // gallery images drawn per task

export function showEvaluation(ev) {
  const missing = ev.classes.filter((c) => !ev.tested_classes.includes(c));
  const params = { accuracy: { percent: ev.accuracy }, correct: ev.correct, total: ev.total, tested: ev.tested_classes, known: ev.classes };
  track($("test-accuracy"), msg(missing.length ? "results.accuracyPartial" : "results.accuracyValue", params));
  $("test-accuracy").dataset.accuracy = String(ev.accuracy);
  renderConfusion(ev.classes, ev.confusion);
  renderGallery($("gallery"), ev.gallery, ev.outputs);
  renderGallery($("mistakes"), ev.mistakes, ev.outputs);
  const count = ev.mistake_count;
  track($("mistakes-label"), !count ? msg("results.noMistakes")
    : count > ev.mistakes.length ? msg("results.mistakesFirst", { count, shown: ev.mistakes.length })
      : msg("results.mistakesAll", { count }));
}

function renderConfusion(classes, confusion) {
  const table = $("confusion");
  table.replaceChildren();
  const caption = document.createElement("caption");
  track(caption, msg("results.confusionCaption"));
  const head = document.createElement("tr");
  const corner = document.createElement("th");
  corner.scope = "col";
  track(corner, msg("results.confusionCorner"));
  corner.className = "corner";
  head.append(corner);
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

// Drawn a few items per task, so a long list never blocks the page for more than a moment.
async function renderGallery(list, items, outputs) {
  const token = (list.dataset.token = String(Number(list.dataset.token || 0) + 1));
  list.replaceChildren();
  for (let start = 0; start < items.length; start += GALLERY_BATCH) {
    if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    if (list.dataset.token !== token) return; // a newer evaluation replaced this one
    for (const item of items.slice(start, start + GALLERY_BATCH)) list.append(galleryItem(item, outputs));
  }
}

function galleryItem(item, outputs) {
  const li = document.createElement("li");
  const wrong = item.label !== item.predicted;
  li.className = wrong ? "wrong" : "right";
  li.dataset.label = String(item.label);
  li.dataset.predicted = String(item.predicted);
  const canvas = document.createElement("canvas");
  paintDigit(canvas, item.image);
  track(canvas, msg("results.imageLabel", { index: item.index + 1, label: item.label }), "aria-label");
  const text = document.createElement("span");
  track(text, wrong ? msg("results.wrong", { predicted: item.predicted, label: item.label }) : msg("results.right", { predicted: item.predicted }));
  track(text, msg("results.scoresTitle", { outputs: msg(`model.outputs.${outputs}`), scores: item.scores.map((v) => formatScore(v, 2)).join(" ") }), "title");
  li.append(canvas, text);
  return li;
}

/** Check the current model on the loaded test images and show the results. */
export async function evaluateModel(worker) {
  setStatus(msg("results.checking"), "busy");
  try {
    showEvaluation(await worker.request("evaluate"));
    setStatus(READY, "ready");
  } catch (error) {
    if (!worker.dead) setStatus(msg("status.error", { error: errorMessage(error) }), "error");
  }
}
