import numpy as np
import pytest

from pycore.errors import ConfigError
from pycore.network import Network, NetworkConfig
from pycore.parallel import ShardedSteps
from pycore.trainer import TrainConfig, Trainer
from tests.unit.test_trainer import data

CONFIG = TrainConfig(samples=45, batch_size=8, epochs=2, optimizer="adam", lr=0.003, lr_schedule="linear", shuffle=True)


def trainer(x, t, config=CONFIG, seed=0):
    return Trainer(Network(NetworkConfig(loss="softmax_ce", init="he"), seed=seed), x, t, config)


def run_sharded(x, t, shards, config=CONFIG):
    """Every worker of a sharded run, stepped in lockstep as the browser's workers are."""
    workers = [ShardedSteps(trainer(x, t, config), k, shards) for k in range(shards)]
    while not workers[0].trainer.finished:
        parts = [w.gradient() for w in workers]
        for w in workers:
            w.apply_with(parts[: w.shard] + parts[w.shard + 1 :])
    return [w.trainer for w in workers]


@pytest.mark.parametrize("shards", [2, 3])
def test_sharded_run_equals_one_worker(shards, rng):
    x, t = data(rng, n=45)  # 45 images in batches of 8: the last batch has 5 rows
    single = trainer(x, t)
    single.run()
    trainers = run_sharded(x, t, shards)
    assert all(tr.state == "done" and tr.step == single.total for tr in trainers)
    np.testing.assert_allclose(trainers[0].losses, single.losses, rtol=1e-9)
    for key, p in single.net.params.items():
        np.testing.assert_allclose(trainers[0].net.params[key], p, rtol=1e-8, atol=1e-12)
        for other in trainers[1:]:  # the workers' weights stay identical, bit for bit
            np.testing.assert_array_equal(other.net.params[key], trainers[0].net.params[key])


def test_a_shard_with_no_rows_adds_nothing(rng):
    x, t = data(rng, n=12)
    config = TrainConfig(samples=12, batch_size=2, optimizer="adam", lr=0.002)
    single = trainer(x, t, config)
    single.run()
    trainers = run_sharded(x, t, 3, config)  # two rows for three workers
    np.testing.assert_allclose(trainers[2].net.params["W2"], single.net.params["W2"], rtol=1e-8, atol=1e-12)


def test_divergence_is_reported_by_every_worker(rng):
    x, t = data(rng, n=40)
    config = TrainConfig(samples=40, batch_size=8, optimizer="sgd", lr=1e9)
    trainers = run_sharded(x, t, 2, config)
    for tr in trainers:
        assert tr.state == "diverged" and "smaller learning rate" in tr.message
        assert all(np.isfinite(p).all() for p in tr.net.params.values())


def test_bad_parts_and_the_seed_fast_path_are_refused(rng):
    x, t = data(rng)
    steps = ShardedSteps(trainer(x, t), 0, 2)
    own = steps.gradient()
    with pytest.raises(ConfigError):
        steps.apply([own])
    with pytest.raises(ConfigError):
        steps.apply([own, own[:-1]])
    with pytest.raises(ConfigError):
        ShardedSteps(Trainer(Network(seed=0), x, t, TrainConfig(samples=60)), 0, 2)  # batch 1, Momentum
    with pytest.raises(ConfigError):
        ShardedSteps(trainer(x, t), 2, 2)
