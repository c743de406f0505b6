import numpy as np
import pytest

from pycore.errors import ConfigError
from pycore.network import Network, NetworkConfig
from pycore.trainer import MOVING_AVERAGE_STEPS, TrainConfig, Trainer


def data(rng, n=60):
    """uint8 images, 80 % of their pixels 0 and the others bright, and their labels 0, 1, 2."""
    x = rng.integers(204, 256, (n, 784), dtype=np.uint8)
    x[rng.random((n, 784)) < 0.8] = 0
    labels = rng.integers(0, 3, n)
    # Make the classes learnable: a bright block per class.
    for c in range(3):
        x[labels == c, c * 100 : c * 100 + 50] = 255
    return x, labels


def test_seed_defaults():
    c = TrainConfig()
    assert (c.samples, c.epochs, c.batch_size, c.optimizer, c.lr, c.momentum, c.shuffle, c.augment) == (
        5000, 1, 1, "momentum", 0.01, 0.9, False, "off",
    )  # fmt: skip


def test_runs_in_chunks_and_reports_each(rng):
    x, labels = data(rng)
    reports = []
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=50), on_progress=reports.append)
    final = trainer.run(chunk_steps=20)
    assert [r.step for r in reports] == [20, 40, 50]
    assert [len(r.losses) for r in reports] == [20, 20, 10]
    assert [r.first_step for r in reports] == [0, 20, 40]
    assert final.state == "done" and final.step == final.total == 50
    assert final.samples_per_sec > 0
    np.testing.assert_array_equal(np.concatenate([r.losses for r in reports]), trainer.losses)


def test_loss_falls(rng):
    x, labels = data(rng, n=300)
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=300))
    trainer.run()
    assert trainer.losses[-50:].mean() < 0.2 * trainer.losses[:10].mean()


def test_moving_average(rng):
    x, labels = data(rng, n=150)
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=150))
    p = trainer.run()
    assert p.avg_loss == pytest.approx(trainer.losses[-MOVING_AVERAGE_STEPS:].mean())
    assert p.averages[-1] == pytest.approx(p.avg_loss)


def test_stop_between_chunks_keeps_the_last_step(rng):
    x, labels = data(rng)
    net = Network(seed=0)
    trainer = Trainer(net, x, labels, TrainConfig(samples=60))
    calls = iter([False, False, True])
    p = trainer.run(chunk_steps=10, should_stop=lambda: next(calls))
    assert p.state == "stopped" and p.step == 20
    assert "20 of 60" in p.message
    # The weights are those after step 20: a plain run of 20 steps gives the same.
    ref = Network(seed=0)
    Trainer(ref, x, labels, TrainConfig(samples=20)).run()
    np.testing.assert_allclose(net.params["W1"], ref.params["W1"], rtol=1e-12)


def test_divergence_stops_with_a_message_naming_the_step(rng):
    x, labels = data(rng)
    net = Network(seed=0)
    trainer = Trainer(net, x, labels, TrainConfig(samples=60, lr=10.0, momentum=0.999))
    p = trainer.run()
    assert p.state == "diverged"
    assert f"step {p.step + 1}" in p.message and "learning rate" in p.message
    assert all(np.isfinite(v).all() for v in net.params.values())


def test_mini_batches_and_epochs(rng):
    x, labels = data(rng, n=50)
    trainer = Trainer(
        Network(NetworkConfig(loss="softmax_ce"), seed=0),
        x, labels, TrainConfig(samples=50, batch_size=16, epochs=3, optimizer="adam", lr=0.001, shuffle=True),
    )  # fmt: skip
    assert trainer.total == 4 * 3
    p = trainer.run()
    assert p.state == "done" and p.epoch == 3
    assert trainer.losses[-1] < trainer.losses[0]


def test_shuffle_changes_the_order_but_is_seeded(rng):
    x, labels = data(rng, n=30)

    def losses(seed):
        tr = Trainer(Network(seed=0), x, labels, TrainConfig(samples=30, epochs=2, shuffle=True, seed=seed))
        tr.run()
        return tr.losses

    np.testing.assert_array_equal(losses(1), losses(1))
    assert not np.array_equal(losses(1), losses(2))


def test_same_seed_same_run_bit_for_bit(rng):
    x, labels = data(rng)

    def run():
        net = Network(seed=4)
        Trainer(net, x, labels, TrainConfig(samples=60)).run()
        return net.params

    a, b = run(), run()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize(
    "kw",
    [
        {"samples": 0},
        {"epochs": 0},
        {"batch_size": 0},
        {"optimizer": "x"},
        {"lr": -1},
        {"lr": float("nan")},
        {"lr_schedule": "step"},
        {"label_smoothing": 1.0},
        {"label_smoothing": -0.1},
        {"augment": "heavy"},
        {"augment": None},
    ],
)
def test_bad_settings_are_refused(kw):
    with pytest.raises(ConfigError):
        TrainConfig(**kw)


def test_linear_schedule_falls_to_zero(rng):
    x, labels = data(rng, n=40)
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=40, batch_size=10, lr=0.02, lr_schedule="linear"))
    assert [trainer.learning_rate(s) for s in range(4)] == pytest.approx([0.02, 0.015, 0.01, 0.005])
    seen = []
    real_update = trainer.optimizer.update

    def spy(params, grads):
        seen.append(trainer.optimizer.lr)
        real_update(params, grads)

    trainer.optimizer.update = spy
    trainer.run()
    assert seen == pytest.approx([0.02, 0.015, 0.01, 0.005])  # the optimizer used them, step by step
    assert trainer.progress(0).lr == pytest.approx(0.005)  # reported: the last step's rate
    assert Trainer(Network(seed=0), x, labels, TrainConfig(samples=40)).learning_rate(30) == 0.01  # constant


def test_dense_first_layer_gives_the_same_run(rng):
    """The network's zero-skipping first layer trains exactly like a plain Affine (mini-batches, Adam)."""
    from pycore.layers import Affine

    x, labels = data(rng, n=64)
    config = TrainConfig(samples=64, batch_size=16, epochs=2, optimizer="adam", lr=0.002, shuffle=True)

    def run(dense):
        net = Network(NetworkConfig(loss="softmax_ce"), seed=0)
        if dense:
            net.affines[0] = net.layers[0] = Affine(net.params["W1"], net.params["b1"])
        trainer = Trainer(net, x, labels, config)
        trainer.run()
        return net.params, trainer.losses

    (fast, fast_losses), (plain, plain_losses) = run(False), run(True)
    np.testing.assert_allclose(fast_losses, plain_losses, rtol=1e-10)
    for key in plain:
        np.testing.assert_allclose(fast[key], plain[key], rtol=1e-9, atol=1e-12)


def test_label_smoothing_moves_the_targets_off_0_and_1(rng):
    x, labels = data(rng, n=30)
    config = TrainConfig(samples=30, batch_size=30, label_smoothing=0.3)
    _, smoothed = Trainer(Network(seed=0), x, labels, config)._batch(0)
    np.testing.assert_allclose(smoothed, np.eye(3)[labels] * 0.7 + 0.1)  # 3 classes: ε/C = 0.1
    np.testing.assert_allclose(smoothed.sum(axis=1), 1.0)
    _, plain = Trainer(Network(seed=0), x, labels, TrainConfig(samples=30, batch_size=30))._batch(0)
    np.testing.assert_array_equal(plain, np.eye(3)[labels])


def test_the_progress_moving_averages_are_those_of_each_step(rng):
    """Chunk reports compute their moving averages from one running sum: the same as step by step."""
    x, labels = data(rng, n=400)
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=400))
    for steps in (1, 7, 150, 242):
        progress = trainer.run_chunk(steps)
        by_step = [trainer.moving_average(s) for s in range(progress.first_step + 1, trainer.step + 1)]
        np.testing.assert_allclose(progress.averages, by_step, rtol=1e-12)


def digit_like(rng, n=40):
    """uint8 28×28 images with a centred blob of ink (something augmentation can move) and labels 0, 1, 2."""
    x = np.zeros((n, 28, 28), np.uint8)
    labels = rng.integers(0, 3, n)
    for i, label in enumerate(labels):
        x[i, 8 + label : 20, 10 : 14 + 2 * label] = 255
    return x, labels


def test_augmentation_changes_the_inputs_not_the_targets_or_the_order(rng):
    x, labels = digit_like(rng)
    settings = {"samples": 40, "batch_size": 8, "epochs": 2, "shuffle": True, "optimizer": "adam", "lr": 0.001}
    net = NetworkConfig(loss="softmax_ce", dtype="float32")
    plain = Trainer(Network(net, seed=0), x, labels, TrainConfig(**settings))
    augmented = Trainer(Network(net, seed=0), x, labels, TrainConfig(**settings, augment="light"))
    again = Trainer(Network(net, seed=0), x, labels, TrainConfig(**settings, augment="light"))
    for step in range(plain.total):
        xp, tp = (a.copy() for a in plain._batch(step))
        xa, ta = (a.copy() for a in augmented._batch(step))
        xb, _ = again._batch(step)
        np.testing.assert_array_equal(ta, tp)  # the same images in the same order, so the same targets
        assert not np.array_equal(xa, xp)  # ... distorted
        np.testing.assert_array_equal(xa, xb)  # ... the same way for the same seed
        assert xa.dtype == np.float32 and xa.min() >= 0 and xa.max() <= 1


def test_the_fast_path_is_only_for_runs_without_augmentation(rng):
    x, labels = digit_like(rng)
    assert Trainer(Network(seed=0), x, labels, TrainConfig(samples=40)).fast
    trainer = Trainer(Network(seed=0), x, labels, TrainConfig(samples=40, augment="strong"))
    assert not trainer.fast and "plain path" in repr(trainer)
    assert trainer.run().state == "done"
