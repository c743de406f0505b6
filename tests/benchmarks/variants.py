"""The seed training loop, three ways, for the benchmark. Runs in CPython and inside Pyodide.

- ``seed_plain``: a straightforward transcription of the tutorial's loop (layer objects in an
  ``OrderedDict``, a params dict, new arrays every step). It is the reference the speed-ups are
  measured against; it is not used by the app.
- ``pycore_fast`` / ``pycore_plain``: pycore's trainer with and without the sparse fast path.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np


class PlainAffine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class PlainLeakyReLU:
    def __init__(self, alpha):
        self.alpha = alpha
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] *= self.alpha
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] *= self.alpha
        return dout


class PlainSquaredError:
    def forward(self, y, t):
        self.y, self.t = y, t
        return 0.5 * np.sum((y - t) ** 2)

    def backward(self):
        return self.y - self.t


class PlainMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class PlainSeedNetwork:
    """784-500-100-3, as the tutorial builds it (weights drawn from a seeded generator)."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, (d, h) in enumerate([(784, 500), (500, 100), (100, 3)], start=1):
            self.params[f"W{i}"] = 0.01 * rng.standard_normal((d, h))
            self.params[f"b{i}"] = np.zeros((1, h))
        self.layers = OrderedDict()
        self.layers["Affine1"] = PlainAffine(self.params["W1"], self.params["b1"])
        self.layers["LeakyReLU1"] = PlainLeakyReLU(0.1)
        self.layers["Affine2"] = PlainAffine(self.params["W2"], self.params["b2"])
        self.layers["LeakyReLU2"] = PlainLeakyReLU(0.1)
        self.layers["Affine3"] = PlainAffine(self.params["W3"], self.params["b3"])
        self.loss = PlainSquaredError()
        self.optimizer = PlainMomentum()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def gradient(self):
        dout = self.loss.backward()
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {}
        for i in (1, 2, 3):
            grads[f"W{i}"] = self.layers[f"Affine{i}"].dW
            grads[f"b{i}"] = self.layers[f"Affine{i}"].db
        return grads


def seed_plain(train, test, seed=0):
    """Train the transcription one sample per step; returns (seconds, test accuracy)."""
    x, t = train.images.reshape(len(train), -1) / 255.0, np.eye(3)[train.labels]  # the seed's inputs and targets
    x_test, labels_test = test.images.reshape(len(test), -1) / 255.0, test.labels.astype(np.int64)
    net = PlainSeedNetwork(seed)
    start = time.perf_counter()
    for i in range(len(x)):
        y = net.predict(x[i : i + 1])
        net.loss.forward(y, t[i : i + 1])
        net.optimizer.update(net.params, net.gradient())
    seconds = time.perf_counter() - start
    predicted = net.predict(x_test).argmax(axis=1)
    return seconds, float((predicted == labels_test).mean())


def inline_floor(train, test, seed=0, return_params=False):
    """The floor of pycore's algorithm in this NumPy: the same float64 math as ``pycore_fast`` (the
    first layer in position/velocity form, touching only the rows of the image's non-zero pixels;
    layers 2–3 in one flat buffer; NumPy's C einsum with pycore's subscripts), written as one loop
    with no layer objects and no checks, and the loss of every step computed as pycore does. It is
    not used by the app: it measures how much pycore's structure costs."""
    from numpy._core._multiarray_umath import c_einsum

    lr, m, alpha = 0.01, 0.9, 0.1
    net = PlainSeedNetwork(seed)  # the same initial weights
    W1 = net.params["W1"]
    D, H = W1.shape
    c, s, tiny = m / (1 - m), 1.0, float(np.sqrt(np.finfo(np.float64).tiny))
    PV = np.zeros((D, 2 * H))  # [P | V]: P = W + c·v, V = v / s (v = 0 at the start)
    PV[:, :H] = W1
    shapes = {"b1": (H,), "W2": (500, 100), "b2": (100,), "W3": (100, 3), "b3": (3,)}
    size = sum(int(np.prod(sh)) for sh in shapes.values())
    flat_p, flat_g, flat_v, scaled = (np.zeros(size) for _ in range(4))
    views = {}
    start = 0
    for key, shape in shapes.items():
        n = int(np.prod(shape))
        views[key] = (flat_p[start : start + n].reshape(shape), flat_g[start : start + n].reshape(shape))
        views[key][0][...] = net.params[key].reshape(shape)
        start += n
    (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3) = views.values()
    block_room, step_room = np.empty((D, 2 * H)), np.empty((D, 2 * H))
    xPV, d2 = np.empty(2 * H), np.empty(2 * H)
    a1, z1, slope1 = np.empty(H), np.empty(H), np.empty(H)
    a2, z2, slope2 = np.empty(100), np.empty(100), np.empty(100)
    y, dz2, dz1 = np.empty(3), np.empty(100), np.empty(H)
    images = train.images.reshape(len(train), -1)
    targets = np.eye(3)[train.labels]
    x = np.empty(D)
    losses = np.zeros(len(images))
    start_time = time.perf_counter()
    for i in range(len(images)):
        np.divide(images[i], 255.0, out=x)
        rows = np.flatnonzero(images[i])
        xk = x[rows]
        block = np.take(PV, rows, axis=0, out=block_room[: len(rows)], mode="clip")
        c_einsum("nd,dh->nh", xk[None], block, out=xPV[None])
        np.multiply(xPV[H:], c * s, out=a1)
        np.subtract(xPV[:H], a1, out=a1)
        a1 += b1
        np.copyto(slope1, np.where(a1 > 0, 1.0, alpha))
        np.multiply(a1, slope1, out=z1)
        c_einsum("nd,dh->nh", z1[None], W2, out=a2[None])
        a2 += b2
        np.copyto(slope2, np.where(a2 > 0, 1.0, alpha))
        np.multiply(a2, slope2, out=z2)
        c_einsum("nd,dh->nh", z2[None], W3, out=y[None])
        y += b3
        np.subtract(y, targets[i], out=db3)  # dL/dy of 0.5·Σ(y−t)²
        losses[i] = 0.5 * np.dot(db3, db3)
        c_einsum("nd,nh->dh", z2[None], db3[None], out=dW3)
        c_einsum("nh,dh->nd", db3[None], W3, out=dz2[None])
        np.multiply(dz2, slope2, out=db2)
        c_einsum("nd,nh->dh", z1[None], db2[None], out=dW2)
        c_einsum("nh,dh->nd", db2[None], W2, out=dz1[None])
        np.multiply(dz1, slope1, out=db1)
        flat_v *= m  # Momentum on b1 and layers 2–3 together
        flat_v -= np.multiply(flat_g, lr, out=scaled)
        flat_p += flat_v
        s *= m  # the first layer's weights: position/velocity form
        np.multiply(db1, -lr / (1 - m), out=d2[:H])
        np.multiply(db1, -lr / s, out=d2[H:])
        block += c_einsum("nd,nh->dh", xk[None], d2[None], out=step_room[: len(rows)])
        PV[rows] = block
        if s < tiny:
            PV[:, H:] *= s
            s = 1.0
    seconds = time.perf_counter() - start_time
    params = {"W1": PV[:, :H] - (c * s) * PV[:, H:]}
    params.update({key: view.reshape(net.params[key].shape).copy() for key, (view, _) in views.items()})
    if return_params:
        return params
    net.params.update(params)
    for i, layer in enumerate((net.layers["Affine1"], net.layers["Affine2"], net.layers["Affine3"]), start=1):
        layer.W, layer.b = params[f"W{i}"], params[f"b{i}"]
    x_test = test.images.reshape(len(test), -1) / 255.0
    accuracy = float((net.predict(x_test).argmax(axis=1) == test.labels).mean())
    return seconds, accuracy


def equality(train, test, seed=0):
    """pycore's seed loop against the plain seed code, in one process: the largest difference of
    any weight after the run, relative to that array's largest weight, and the test predictions."""
    from pycore import Network, TrainConfig, Trainer

    x, t = train.images.reshape(len(train), -1) / 255.0, np.eye(3)[train.labels]
    plain = PlainSeedNetwork(seed)
    for i in range(len(x)):
        plain.loss.forward(plain.predict(x[i : i + 1]), t[i : i + 1])
        plain.optimizer.update(plain.params, plain.gradient())
    net = Network(seed=seed)
    Trainer(net, train.images, train.labels, TrainConfig(samples=len(train), seed=seed)).run(chunk_steps=500)
    worst = 0.0
    for key, p in net.params.items():
        q = plain.params[key].reshape(p.shape)
        worst = max(worst, float(np.abs(p - q).max() / np.abs(q).max()))
    x_test = test.images.reshape(len(test), -1) / 255.0
    same = int((net.predict(x_test).argmax(axis=1) == plain.predict(x_test).argmax(axis=1)).sum())
    return {"steps": len(x), "max_relative_difference": worst, "same_predictions": same, "test_images": len(test)}


def pycore_run(train, test, fast, seed=0):
    """pycore's trainer (chunks of 500 steps); returns (seconds, test accuracy)."""
    from pycore import Network, TrainConfig, Trainer, evaluate

    net = Network(seed=seed)
    trainer = Trainer(net, train.images, train.labels, TrainConfig(samples=len(train), seed=seed, fast=fast))
    start = time.perf_counter()
    trainer.run(chunk_steps=500)
    seconds = time.perf_counter() - start
    return seconds, evaluate(net, test.images, test.labels).accuracy


def profile(train, test, steps=1000, top=14):
    """Where pycore's seed loop spends its time: cProfile's table of the ``top`` functions by own time."""
    import cProfile
    import io
    import pstats

    from pycore import Network, TrainConfig, Trainer

    trainer = Trainer(Network(seed=0), train.images, train.labels, TrainConfig(samples=len(train)))
    trainer.run_chunk(100)  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    trainer.run_chunk(steps)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(top)
    per_step = stats.total_tt / steps
    return {"ms_per_step": 1000 * per_step, "table": out.getvalue()}


def passes(train, test, steps=1000):
    """Where a step of pycore's seed loop goes, pass by pass, in microseconds a step: the first
    layer's passes (gather, product, outer product, add, scatter) and layers 2–3 (forward, backward
    and Momentum), each timed again right after a real step on copies of that step's arrays (so
    the run itself is untouched); "Python" is the rest of the real steps' time."""
    import numpy as np

    from pycore import Network, TrainConfig, Trainer, linalg

    trainer = Trainer(Network(seed=0), train.images, train.labels, TrainConfig(samples=len(train)))
    trainer.run_chunk(500)  # warm up
    net, optimizer = trainer.net, trainer.optimizer
    a2, a3 = Network(seed=1).affines[1:]  # layers 2–3 are timed on another network's arrays
    trainer._hold_first_layer()
    p, g, v, scaled = (a.copy() for a in optimizer.runs(net.params, net.grads(rows=True))[0])  # b1 and layers 2–3
    held = net.affines[0].held
    block_room, target = np.empty_like(held.PV), np.empty_like(held.PV)
    out, dout = np.empty((1, held.PV.shape[1])), np.ones((1, held.PV.shape[1]))
    names = ("gather", "product", "outer", "add", "scatter", "layers 2-3")
    totals = dict.fromkeys(names, 0.0)
    clock = time.perf_counter
    step_s = 0.0
    for step in range(trainer.step, trainer.step + steps):
        start = clock()
        trainer._run_steps(step + 1)
        step_s += clock() - start
        rows, x = held.rows, net.affines[0].x
        block, change = block_room[: len(rows)], held.step[: len(rows)]
        t0 = clock()
        np.take(held.PV, rows, axis=0, out=block, mode="clip")
        t1 = clock()
        linalg.forward(x, block, out=out)
        t2 = clock()
        linalg.weight_grad(x, dout, out=change)
        t3 = clock()
        block += change
        t4 = clock()
        target[rows] = block
        t5 = clock()
        h = a2.forward(net.affines[1].x)
        a3.forward(h)
        a2.backward(a3.backward(np.ones((1, 3))))
        v *= optimizer.momentum
        v -= np.multiply(g, optimizer.lr, out=scaled)
        p += v
        t6 = clock()
        for name, dt in zip(names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            totals[name] += dt
    trainer._release_first_layer()
    step_us = 1e6 * step_s / steps
    us = {name: 1e6 * total / steps for name, total in totals.items()}
    us["Python"] = step_us - sum(us.values())
    return {"step_us": step_us, "passes_us": us}


VARIANTS = {
    "pycore_fast": lambda *a: pycore_run(*a, fast=True),
    "pycore_plain": lambda *a: pycore_run(*a, fast=False),
    "seed_plain": seed_plain,
    "inline_floor": inline_floor,
}


def load_site_data(read):
    """The seed's data from the site's files; ``read(name) -> bytes``."""
    from pycore import mnist

    def split(part):
        images = mnist.parse_idx(read(f"mnist-012-{part}-images.idx.gz"))
        labels = mnist.parse_idx(read(f"mnist-012-{part}-labels.idx.gz"))
        return mnist.Split(images, labels)

    return split("train").select((0, 1, 2), limit=5000), split("test")


def run(name, data):
    """Run one variant on ``data`` = (train split, test split); returns a dict."""
    if name in ("profile", "equality", "passes"):
        return {"profile": profile, "equality": equality, "passes": passes}[name](*data)
    seconds, accuracy = VARIANTS[name](*data)
    return {"seconds": seconds, "accuracy": accuracy}
