"""The sparse fast path must compute what the plain seed loop computes."""

import numpy as np
import pytest

from pycore.network import Network, NetworkConfig
from pycore.trainer import TrainConfig, Trainer


def mnist_like(rng, n=200, classes=3):
    """uint8 images that, like MNIST's, are mostly exact zeros, and their labels."""
    x = rng.integers(0, 256, (n, 784), dtype=np.uint8)
    x[rng.random((n, 784)) < 0.8] = 0
    return x, rng.integers(0, classes, n)


def train(x, labels, fast, **kw):
    net = Network(NetworkConfig(), seed=5)
    trainer = Trainer(net, x, labels, TrainConfig(samples=len(x), fast=fast, **kw))
    trainer.run(chunk_steps=37)  # chunk ends inside the run exercise flush()
    return net, trainer


@pytest.mark.parametrize("optimizer", ["momentum", "sgd"])
def test_fast_path_equals_plain_loop_over_200_steps(optimizer, rng):
    x, t = mnist_like(rng)
    plain, p_trainer = train(x, t, fast=False, optimizer=optimizer)
    fast, f_trainer = train(x, t, fast=True, optimizer=optimizer)
    assert p_trainer.sparse_step is None and f_trainer.sparse_step is not None
    for key in plain.params:
        a, b = plain.params[key], fast.params[key]
        assert np.abs(a - b).max() <= 1e-9 * np.abs(a).max(), key
    np.testing.assert_allclose(f_trainer.losses, p_trainer.losses, rtol=1e-9)
    if optimizer == "momentum":
        for key, v in p_trainer.optimizer.v.items():
            w = f_trainer.optimizer.v[key]
            assert np.abs(v - w).max() <= 1e-9 * np.abs(v).max(), key


def test_fast_path_handles_rows_untouched_for_the_whole_run(rng):
    x, t = mnist_like(rng, n=50)
    x[:, :100] = 0  # these pixels are never on: their rows only decay
    plain, _ = train(x, t, fast=False)
    fast, _ = train(x, t, fast=True)
    np.testing.assert_allclose(fast.params["W1"], plain.params["W1"], rtol=1e-9, atol=1e-15)


def test_fast_path_is_not_used_where_it_would_differ(rng):
    x, t = mnist_like(rng, n=10)
    for kw in ({"batch_size": 2}, {"optimizer": "adam", "lr": 0.001}, {"optimizer": "adagrad"}):
        _, trainer = train(x, t, fast=True, **kw)
        assert trainer.sparse_step is None, kw
