// A hand-written JavaScript loop over Float64Arrays: the seed network, one sample per step,
// Momentum, dense (every weight every step), as one would write it without a library.
import { loadSplit } from "./data.js";

const SIZES = [784, 500, 100, 3];
const LR = 0.01;
const MOMENTUM = 0.9;
const ALPHA = 0.1;

function gaussian(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function makeNet(seed) {
  const randn = gaussian(seed);
  const layers = [];
  for (let l = 0; l < 3; l++) {
    const [d, h] = [SIZES[l], SIZES[l + 1]];
    const W = new Float64Array(d * h).map(() => 0.01 * randn());
    layers.push({ d, h, W, b: new Float64Array(h), vW: new Float64Array(d * h), vb: new Float64Array(h),
                  z: new Float64Array(h), a: new Float64Array(h), dz: new Float64Array(h) });
  }
  return layers;
}

function forward(net, x, xo) {
  let input = x, off = xo;
  net.forEach((L, l) => {
    for (let j = 0; j < L.h; j++) L.z[j] = L.b[j];
    for (let i = 0; i < L.d; i++) {
      const xi = input[off + i];
      const row = i * L.h;
      for (let j = 0; j < L.h; j++) L.z[j] += xi * L.W[row + j];
    }
    for (let j = 0; j < L.h; j++) L.a[j] = l < 2 && L.z[j] <= 0 ? ALPHA * L.z[j] : L.z[j];
    input = L.a; off = 0;
  });
  return net[2].a;
}

function step(net, x, xo, label) {
  const y = forward(net, x, xo);
  let loss = 0;
  for (let j = 0; j < 3; j++) {
    const diff = y[j] - (j === label ? 1 : 0);
    loss += 0.5 * diff * diff;
    net[2].dz[j] = diff;
  }
  for (let l = 2; l >= 0; l--) {
    const L = net[l];
    const input = l === 0 ? x : net[l - 1].a;
    const off = l === 0 ? xo : 0;
    if (l > 0) {
      const P = net[l - 1];
      for (let i = 0; i < L.d; i++) {
        let s = 0;
        const row = i * L.h;
        for (let j = 0; j < L.h; j++) s += L.W[row + j] * L.dz[j];
        P.dz[i] = P.z[i] <= 0 ? ALPHA * s : s;
      }
    }
    for (let i = 0; i < L.d; i++) {
      const xi = input[off + i];
      const row = i * L.h;
      for (let j = 0; j < L.h; j++) {
        const v = MOMENTUM * L.vW[row + j] - LR * xi * L.dz[j];
        L.vW[row + j] = v;
        L.W[row + j] += v;
      }
    }
    for (let j = 0; j < L.h; j++) {
      L.vb[j] = MOMENTUM * L.vb[j] - LR * L.dz[j];
      L.b[j] += L.vb[j];
    }
  }
  return loss;
}

export async function runJsLoop(dataBase) {
  const train = await loadSplit(dataBase, "train", 5000);
  const test = await loadSplit(dataBase, "test");
  const net = makeNet(0);
  const t0 = performance.now();
  for (let i = 0; i < train.n; i++) step(net, train.x, i * 784, train.labels[i]);
  const seconds = (performance.now() - t0) / 1000;
  let correct = 0;
  for (let i = 0; i < test.n; i++) {
    const y = forward(net, test.x, i * 784);
    const best = y.indexOf(Math.max(...y));
    if (best === test.labels[i]) correct++;
  }
  return { seconds, accuracy: correct / test.n };
}

self.onmessage = async (e) => {
  try {
    postMessage({ ok: true, result: await runJsLoop(e.data.dataBase) });
  } catch (error) {
    postMessage({ ok: false, error: String(error) });
  }
};
