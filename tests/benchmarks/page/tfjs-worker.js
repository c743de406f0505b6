// TensorFlow.js (core + the wasm backend, its fastest here) on the seed network and loop.
importScripts("tfjs/tf-core.min.js", "tfjs/tf-backend-wasm.min.js");

async function loadSplit(base, part, limit) {
  const mod = await import("./data.js");
  return mod.loadSplit(base, part, limit);
}

async function run(dataBase) {
  tf.wasm.setWasmPaths(new URL("tfjs/", self.location.href).href);
  await tf.setBackend("wasm");
  await tf.ready();
  const train = await loadSplit(dataBase, "train", 5000);
  const test = await loadSplit(dataBase, "test", Infinity);
  const init = (d, h) => tf.variable(tf.randomNormal([d, h], 0, 1, "float32", 0).mul(0.01));
  const params = [init(784, 500), tf.variable(tf.zeros([500])), init(500, 100), tf.variable(tf.zeros([100])),
                  init(100, 3), tf.variable(tf.zeros([3]))];
  const predict = (x) => {
    let h = tf.leakyRelu(x.matMul(params[0]).add(params[1]), 0.1);
    h = tf.leakyRelu(h.matMul(params[2]).add(params[3]), 0.1);
    return h.matMul(params[4]).add(params[5]);
  };
  const xs = tf.tensor2d(Float32Array.from(train.x), [train.n, 784]);
  const ts = tf.oneHot(tf.tensor1d(Array.from(train.labels), "int32"), 3).toFloat();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const t0 = performance.now();
  for (let i = 0; i < train.n; i++) {
    tf.tidy(() => {
      const x = xs.slice([i, 0], [1, 784]);
      const t = ts.slice([i, 0], [1, 3]);
      optimizer.minimize(() => predict(x).sub(t).square().sum().mul(0.5), false, params);
    });
  }
  await params[0].data(); // wait for the last step
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = tf.tidy(() => {
    const y = predict(tf.tensor2d(Float32Array.from(test.x), [test.n, 784])).argMax(1);
    return y.equal(tf.tensor1d(Array.from(test.labels), "int32")).mean().dataSync()[0];
  });
  return { seconds, accuracy, backend: tf.getBackend() };
}

self.onmessage = async (e) => {
  try {
    postMessage({ ok: true, result: await run(e.data.dataBase) });
  } catch (error) {
    postMessage({ ok: false, error: String(error && error.stack ? error.stack : error) });
  }
};
