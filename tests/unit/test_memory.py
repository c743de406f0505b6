"""Images stay uint8: batches are converted when used, bit for bit as a whole-array conversion
would give, and neither a run nor a second run keeps memory it no longer needs."""

import gc
import gzip
import tracemalloc
import weakref

import numpy as np
import pytest

from pycore import mnist, model_io
from pycore.app import Session
from pycore.evaluation import evaluate
from pycore.network import Network, NetworkConfig
from pycore.trainer import TrainConfig, Trainer

DIGITS = tuple(range(10))
MB = 1e6


def synthetic(rng, n, classes=DIGITS):
    """uint8 images (n, 28, 28), 80 % zeros like MNIST's, and their digit labels."""
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[rng.random((n, 28, 28)) < 0.8] = 0
    return images, np.asarray(classes, dtype=np.uint8)[rng.integers(0, len(classes), n)]


def whole_array_inputs(images, dtype):
    """How the inputs were made before: the whole dataset converted at once (Split.inputs)."""
    return images.reshape(len(images), -1).astype(dtype) / np.asarray(255.0, dtype=dtype)


def whole_array_targets(labels, classes, dtype, smoothing):
    """How the targets were made before: one-hot rows for the whole dataset, then smoothed."""
    t = np.zeros((len(labels), len(classes)), dtype=dtype)
    t[np.arange(len(labels)), mnist.class_index(labels, classes)] = 1
    return t * (1.0 - smoothing) + smoothing / t.shape[1] if smoothing else t


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scaled_pixels_are_those_of_the_whole_array_conversion(dtype):
    every_value = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    assert same_bits(mnist.scale_pixels(every_value, dtype), whole_array_inputs(every_value, dtype))


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batches_equal_the_whole_array_conversion_bit_for_bit(dtype, smoothing, shuffle, rng):
    images, labels = synthetic(rng, 100)
    config = TrainConfig(samples=100, batch_size=16, epochs=2, shuffle=shuffle, label_smoothing=smoothing)
    net = Network(NetworkConfig(sizes=(784, 8, 10), classes=DIGITS, dtype=dtype), seed=0)
    trainer = Trainer(net, images, labels, config)
    x_all = whole_array_inputs(images, dtype)
    t_all = whole_array_targets(labels, DIGITS, dtype, smoothing)
    seen = []
    for step in range(trainer.total):  # 7 batches an epoch, the last of 4 images
        x, t = trainer._batch(step)
        within = step % trainer.steps_per_epoch
        order = trainer._order if shuffle else np.arange(100)
        idx = order[within * 16 : (within + 1) * 16]
        assert same_bits(x, x_all[idx]) and same_bits(t, t_all[idx]), step
        seen.append(idx)
    assert sorted(np.concatenate(seen[:7])) == list(range(100))  # every image once an epoch
    assert np.array_equal(np.concatenate(seen[7:]), np.arange(100)) != shuffle  # shuffled, or in dataset order


def test_a_batch_of_one_gives_the_fast_path_its_row(rng):
    images, labels = synthetic(rng, 5, classes=(0, 1, 2))
    trainer = Trainer(Network(seed=0), images, labels, TrainConfig(samples=5))
    assert trainer.fast
    x, t = trainer._batch(3)
    assert same_bits(x[0], whole_array_inputs(images, "float64")[3])
    assert same_bits(t, whole_array_targets(labels, (0, 1, 2), "float64", 0.0)[3:4])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_evaluation_converts_in_batches_bit_for_bit(dtype, rng):
    images, labels = synthetic(rng, 50)
    net = Network(NetworkConfig(sizes=(784, 8, 10), classes=DIGITS, dtype=dtype, loss="softmax_ce"), seed=0)
    result = evaluate(net, images, labels, batch=7)
    x_all = whole_array_inputs(images, dtype)
    expected = np.concatenate([net.scores(x_all[i : i + 7]) for i in range(0, 50, 7)])
    assert same_bits(result.scores, expected)
    assert evaluate(net, images[:0], labels[:0]).total == 0


def test_the_trainer_takes_only_uint8_pixels(rng):
    with pytest.raises(ValueError, match="uint8"):
        Trainer(Network(seed=0), rng.random((10, 784)), np.zeros(10, np.uint8))


def test_the_trainer_keeps_no_float_copy_of_the_dataset(rng):
    images, labels = synthetic(rng, 60_000)
    net = Network(NetworkConfig(sizes=(784, 16, 10), classes=DIGITS), seed=0)  # float64: a copy would be 376 MB
    config = TrainConfig(samples=60_000, batch_size=100, optimizer="adam", lr=0.001, shuffle=True)
    tracemalloc.start()
    try:
        trainer = Trainer(net, images, labels, config)
        trainer.run_chunk(3)
        trainer.run_chunk(3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The labels' class indices and the order (60,000 × 8 bytes each), a shuffled order, buffers,
    # Adam's state: about 2 MB. A float64 copy of the targets alone would be 4.8 MB.
    assert peak < 3 * MB, f"{peak / MB:.1f} MB"
    assert np.shares_memory(trainer.images, images)
    owned = sum(
        value.nbytes
        for value in vars(trainer).values()
        if isinstance(value, np.ndarray) and not np.shares_memory(value, images)
    )
    assert owned < 2 * MB, f"{owned / MB:.1f} MB"


def test_selecting_consecutive_images_copies_nothing(rng):
    images, labels = synthetic(rng, 30, classes=(0, 1, 2))
    split = mnist.Split(images, labels)
    assert np.shares_memory(split.select((0, 1, 2), limit=20).images, images)
    picked = split.select((1,))  # not consecutive: copied
    assert (picked.labels == 1).all() and not np.shares_memory(picked.images, images)
    np.testing.assert_array_equal(picked.images, images[labels == 1])


@pytest.fixture
def ten_digit_session(rng):
    """A Session as in the 0–9 mode: 3,000 training and 500 test images of all ten digits."""
    session = Session()
    net = Network(NetworkConfig(sizes=(784, 16, 10), classes=DIGITS, loss="softmax_ce"), seed=0)
    session.load_model(model_io.to_bytes(net), "pretrained")
    for part, n in (("train", 3000), ("test", 500)):
        images, labels = synthetic(rng, n)
        session.set_data(part, gzip.compress(mnist.to_idx(images)), mnist.to_idx(labels))
    return session


def traced_after(action) -> int:
    action()
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


SMALL_RUN = {  # the 0–9 defaults (Adam, label smoothing, shuffled), on a smaller network
    "recipe": "ten-digit-page",
    "hidden": [64, 32],
    "samples": 3000,
    "epochs": 2,
}


def train(session: Session) -> dict:
    session.start_training(SMALL_RUN)
    while session.train_chunk(10)["state"] == "running":
        pass
    return session.finish_training()


def test_a_second_run_does_not_grow_memory(ten_digit_session):
    session = ten_digit_session
    train(session)  # once before measuring: the imports and caches of a first run
    tracemalloc.start()
    try:
        after_first = traced_after(lambda: train(session))
        after_second = traced_after(lambda: train(session))
        after_third = traced_after(lambda: train(session))
    finally:
        tracemalloc.stop()
    params = session.model.parameter_count() * 4  # float32
    # Each run replaces the last run's network with its own: nothing grows. Adam's state alone
    # would be 3 × the parameters, the batch buffers 100 × 784 × 9 bytes, 3.4 times the parameters.
    assert abs(after_second - after_first) < 0.25 * params, (after_first, after_second, params)
    assert abs(after_third - after_first) < 0.25 * params, (after_first, after_third, params)


@pytest.mark.parametrize("stop", [False, True])
def test_a_finished_run_frees_its_buffers_and_optimizer_state(ten_digit_session, stop):
    session = ten_digit_session
    session.start_training(SMALL_RUN)
    session.train_chunk(5)
    trainer = session.trainer
    adam = trainer.optimizer
    # (Not the targets' buffer, 100 × 10 numbers: the network's loss holds its last batch's targets.)
    state = [trainer, adam, trainer._x, trainer._pixels, trainer.losses, trainer._order, trainer.index]
    state += [*adam.m.values(), *adam.v.values(), *adam.share.values(), *adam.step.values()]
    gone = [weakref.ref(obj) for obj in state]
    del trainer, adam, state
    if stop:
        session.stop_training()
    else:
        while session.train_chunk(50)["state"] == "running":
            pass
    assert session.finish_training()["model"]["slot"] == "trained"
    gc.collect()
    assert [ref() is None for ref in gone] == [True] * len(gone)
    assert session.trainer is None
