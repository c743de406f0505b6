// Results on the test images: accuracy, confusion matrix, the first test images and the mistakes.
import { paintDigit } from "./canvas.js";
import { $, formatScore, READY, setStatus } from "./ui.js";

const GALLERY_BATCH = 8; // gallery images drawn per task

export function showEvaluation(ev) {
  const digits = (list) => list.join(", ");
  const missing = ev.classes.filter((c) => !ev.tested_classes.includes(c));
  let text = `${(100 * ev.accuracy).toFixed(2)} % (${ev.correct} of ${ev.total} test images of ${digits(ev.tested_classes)})`;
  if (missing.length) {
    text += ` — this model knows ${digits(ev.classes)}, but only the test images of ${digits(ev.tested_classes)} ` +
      "are loaded in this mode; switch Digits to 0–9 to check it on all of them";
  }
  $("test-accuracy").textContent = text;
  $("test-accuracy").dataset.accuracy = String(ev.accuracy);
  renderConfusion(ev.classes, ev.confusion);
  renderGallery($("gallery"), ev.gallery, ev.outputs);
  renderGallery($("mistakes"), ev.mistakes, ev.outputs);
  $("mistakes-label").textContent = ev.mistake_count
    ? `The ${ev.mistake_count} test images the model gets wrong${ev.mistake_count > ev.mistakes.length ? ` (the first ${ev.mistakes.length})` : ""}`
    : "The model gets every test image right.";
}

function renderConfusion(classes, confusion) {
  const table = $("confusion");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Rows: true digit · columns: predicted";
  const head = document.createElement("tr");
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.textContent = "true \\ predicted";
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
  canvas.setAttribute("aria-label", `test image ${item.index + 1}, a ${item.label}`);
  const text = document.createElement("span");
  text.textContent = wrong ? `✗ ${item.predicted}, is ${item.label}` : `✓ ${item.predicted}`;
  text.title = `${outputs}: ${item.scores.map((v) => formatScore(v, 2)).join(" ")}`;
  li.append(canvas, text);
  return li;
}

/** Check the current model on the loaded test images and show the results. */
export async function evaluateModel(worker) {
  setStatus("Checking the model on the test images…", "busy");
  try {
    showEvaluation(await worker.request("evaluate"));
    setStatus(READY, "ready");
  } catch (error) {
    if (!worker.dead) setStatus(`Error: ${error.message}`, "error");
  }
}
