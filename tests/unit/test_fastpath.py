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


def both_ways(x, labels, run, config=None, seed=5, **kw) -> list:
    """A fresh network trained by ``run(trainer)`` on the plain loop, then on the fast path: the two networks."""
    nets = []
    for fast in (False, True):
        net = Network(config or NetworkConfig(), seed=seed)
        trainer = Trainer(net, x, labels, TrainConfig(samples=len(x), fast=fast, **kw))
        run(trainer)
        assert trainer.fast is fast
        nets.append(net)
    return nets


@pytest.mark.parametrize("optimizer", ["momentum", "sgd"])
def test_fast_path_equals_plain_loop_over_200_steps(optimizer, rng):
    x, t = mnist_like(rng)
    plain, p_trainer = train(x, t, fast=False, optimizer=optimizer)
    fast, f_trainer = train(x, t, fast=True, optimizer=optimizer)
    assert not p_trainer.fast and f_trainer.fast
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


def test_fast_path_is_used_where_the_update_can_skip_rows(rng):
    x, t = mnist_like(rng, n=10)
    for kw, fast in [
        ({"batch_size": 2}, True),
        ({"optimizer": "sgd", "batch_size": 3}, True),
        ({"optimizer": "adam", "lr": 0.001}, False),
        ({"optimizer": "adagrad"}, False),
    ]:
        _, trainer = train(x, t, fast=True, **kw)
        assert trainer.fast is fast, kw


@pytest.mark.parametrize(
    "kw",
    [
        {"batch_size": 4, "shuffle": True, "lr_schedule": "linear"},
        {"momentum": 0.5, "epochs": 3},
        {"momentum": 0.0},  # no velocity to hold: W1's dense update
    ],
)
def test_fast_path_equals_plain_loop_for_other_momentum_runs(kw, rng):
    x, t = mnist_like(rng, n=60)
    plain, _ = train(x, t, fast=False, **kw)
    fast, _ = train(x, t, fast=True, **kw)
    for key in plain.params:
        a, b = plain.params[key], fast.params[key]
        assert np.abs(a - b).max() <= 1e-9 * np.abs(a).max(), (key, kw)


def test_a_run_stopped_midway_leaves_current_weights(rng):
    """Stop between chunks: W1 and its velocity are written back from position/velocity form."""
    x, t = mnist_like(rng, n=80)
    velocities = []

    def stop_midway(trainer):
        trainer.run_chunk(30)
        trainer.stop()
        assert trainer.net.affines[0].held is None
        velocities.append(trainer.optimizer.v["W1"].copy())

    plain, fast = both_ways(x, t, stop_midway)
    np.testing.assert_allclose(fast.params["W1"], plain.params["W1"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(velocities[1], velocities[0], rtol=1e-9, atol=1e-15)


def test_the_seed_run_equals_the_plain_loop_after_5000_steps(mnist_dir):
    """The seed experiment, both ways: every weight within 1e-9 of the plain loop's (relative to
    its array's largest), through ``V``'s rescaling (after about 3,400 steps), and the same 97.74 %."""
    from pycore import evaluate, mnist

    train_split = mnist.load_split(mnist_dir, "train").select((0, 1, 2), limit=5000)
    test_split = mnist.load_split(mnist_dir, "test").select((0, 1, 2))

    def to_the_end(trainer):
        trainer.run(chunk_steps=1000)
        assert trainer.state == "done"

    nets = both_ways(train_split.images, train_split.labels, to_the_end, seed=0)
    plain, fast = nets
    for key in plain.params:
        a, b = plain.params[key], fast.params[key]
        assert np.abs(a - b).max() <= 1e-9 * np.abs(a).max(), key
    for net in nets:
        assert evaluate(net, test_split.images, test_split.labels).correct == 3076  # 97.74 % of 3,147


def test_an_error_midway_leaves_current_weights(rng, monkeypatch):
    """A failure inside a chunk (out of memory, Ctrl-C) still writes W1 back from position/velocity form."""
    x, t = mnist_like(rng, n=80)

    def fail_at_step_25(trainer):
        batch = trainer._batch

        def failing(step):
            if step == 25:
                raise MemoryError
            return batch(step)

        monkeypatch.setattr(trainer, "_batch", failing)
        with pytest.raises(MemoryError):
            trainer.run_chunk(50)
        assert trainer.step == 25

    plain, fast = both_ways(x, t, fail_at_step_25)
    np.testing.assert_allclose(fast.params["W1"], plain.params["W1"], rtol=1e-9, atol=1e-15)


def test_float32_runs_rescale_before_they_overflow(rng):
    """float32 overflows at 3e38: V = v/s is rescaled long before (s = 0.9^k passes 1e-19 after 415 steps)."""
    x, t = mnist_like(rng, n=900)

    def to_the_end(trainer):
        trainer.run(chunk_steps=300)
        assert trainer.state == "done"

    nets = both_ways(x, t, to_the_end, config=NetworkConfig(dtype="float32"))
    for key in nets[0].params:
        a, b = nets[0].params[key], nets[1].params[key]
        assert np.isfinite(b).all() and np.abs(a - b).max() <= 1e-4 * np.abs(a).max(), key


def test_weights_changed_between_chunks_are_trained_from(rng):
    """Outside a chunk W1 is the network's own array: loading other weights between chunks, or a
    second trainer after an interrupted one, sees them (nothing stays held)."""
    x, t = mnist_like(rng, n=100)

    def change_between_chunks(trainer):
        net = trainer.net
        trainer.run_chunk(30)
        assert net.affines[0].held is None
        net.params["W1"][:] = 0.001
        trainer.run_chunk(30)
        Trainer(net, x, t, TrainConfig(samples=len(x), fast=trainer.fast)).run_chunk(20)  # a second run on it

    plain, fast = both_ways(x, t, change_between_chunks)
    np.testing.assert_allclose(fast.params["W1"], plain.params["W1"], rtol=1e-9, atol=1e-15)


def test_a_tiny_momentum_does_not_overflow_into_a_false_divergence(rng):
    x, t = mnist_like(rng, n=50)
    for dtype, momentum in (("float64", 1e-320), ("float32", 1e-42)):
        trainer = Trainer(Network(NetworkConfig(dtype=dtype), seed=5), x, t, TrainConfig(samples=50, momentum=momentum))
        assert trainer.run().state == "done", (dtype, momentum)
