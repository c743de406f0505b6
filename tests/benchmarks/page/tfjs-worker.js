// TensorFlow.js with its wasm backend (its fastest here: cpu and WebGL on the software
// renderer are several times slower) on the seed network and loop.
importScripts("tfjs/tf.min.js", "tfjs/tf-backend-wasm.min.js");

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
  const init = (d, h) => tf.variable(tf.mul(tf.randomNormal([d, h], 0, 1, "float32", 0), 0.01));
  const params = [init(784, 500), tf.variable(tf.zeros([500])), init(500, 100), tf.variable(tf.zeros([100])),
                  init(100, 3), tf.variable(tf.zeros([3]))];
  const affine = (x, W, b) => tf.add(tf.matMul(x, W), b);
  const predict = (x) => {
    const h1 = tf.leakyRelu(affine(x, params[0], params[1]), 0.1);
    const h2 = tf.leakyRelu(affine(h1, params[2], params[3]), 0.1);
    return affine(h2, params[4], params[5]);
  };
  const xs = tf.tensor2d(Float32Array.from(train.x), [train.n, 784]);
  const ts = tf.cast(tf.oneHot(tf.tensor1d(Array.from(train.labels), "int32"), 3), "float32");
  const optimizer = tf.train.momentum(0.01, 0.9);
  const t0 = performance.now();
  for (let i = 0; i < train.n; i++) {
    tf.tidy(() => {
      const x = tf.slice(xs, [i, 0], [1, 784]);
      const t = tf.slice(ts, [i, 0], [1, 3]);
      optimizer.minimize(() => tf.mul(tf.sum(tf.square(tf.sub(predict(x), t))), 0.5), false, params);
    });
  }
  await params[0].data(); // wait for the last step
  const seconds = (performance.now() - t0) / 1000;
  const accuracy = tf.tidy(() => {
    const y = tf.argMax(predict(tf.tensor2d(Float32Array.from(test.x), [test.n, 784])), 1);
    const right = tf.cast(tf.equal(y, tf.tensor1d(Array.from(test.labels), "int32")), "float32");
    return tf.mean(right).dataSync()[0];
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
