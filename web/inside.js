// "Inside the network": first-layer weight tiles and the activations of each hidden layer.

import { msg, track } from "./i18n.js";

const TILE_GAP = 1;

// Tiles: Uint8Array of count×side×side, 128 = zero weight. Drawn as a square grid.
export function paintWeightTiles(canvas, { count, side, pixels }) {
  const perRow = Math.ceil(Math.sqrt(count));
  const size = perRow * (side + TILE_GAP) - TILE_GAP;
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let t = 0; t < count; t++) {
    const ox = (t % perRow) * (side + TILE_GAP);
    const oy = Math.floor(t / perRow) * (side + TILE_GAP);
    for (let p = 0; p < side * side; p++) {
      const v = pixels[t * side * side + p];
      const o = ((oy + Math.floor(p / side)) * size + ox + (p % side)) * 4;
      // Orange for excitatory (above 128), blue for inhibitory (below), black for zero.
      img.data[o] = v > 128 ? 2 * (v - 128) : 0;
      img.data[o + 1] = v > 128 ? (v - 128) * 1.3 : (128 - v) * 0.9;
      img.data[o + 2] = v < 128 ? 2 * (128 - v) : 0;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

// activations: one ArrayBuffer/Uint8Array of float32 per hidden layer.
export function renderActivations(box, activations) {
  box.replaceChildren();
  activations.forEach((bytes, i) => {
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const name = document.createElement("span");
    name.className = "layer-name";
    track(name, msg("inside.layer", { layer: i + 1, units: values.length }));
    const canvas = document.createElement("canvas");
    canvas.width = values.length;
    canvas.height = 1;
    canvas.dataset.units = String(values.length);
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(values.length, 1);
    let top = 1e-9;
    for (const v of values) top = Math.max(top, Math.abs(v));
    values.forEach((v, j) => {
      const level = Math.round((255 * Math.max(0, v)) / top);
      img.data[4 * j] = level;
      img.data[4 * j + 1] = Math.round(level * 0.7);
      img.data[4 * j + 2] = v < 0 ? 60 : 0;
      img.data[4 * j + 3] = 255;
    });
    ctx.putImageData(img, 0, 0);
    box.append(name, canvas);
  });
}

/** The first layer's weight tiles, with a label saying how many of its units they are. */
export function showWeights(tiles) {
  paintWeightTiles(document.getElementById("weights-grid"), tiles);
  document.getElementById("weights-grid").dataset.model = tiles.model; // tests wait on it
  track(document.getElementById("weights-label"), msg("inside.weightsCount", { count: tiles.count, units: tiles.units }));
}

/** Ask the worker for the current model's weight tiles and show them. */
export async function refreshWeights(worker) {
  try {
    showWeights(await worker.request("weights"));
  } catch {
    // only a picture: the app works without it
  }
}
