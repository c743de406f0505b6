"""Recipes: every named experiment trains, and every consumer reads the same values."""

import numpy as np
import pytest

from pycore import mnist, recipes
from pycore.app import PAGE_MODES, page_config
from pycore.errors import ConfigError
from pycore.network import NetworkConfig
from pycore.trainer import LIMITS, TrainConfig


@pytest.fixture(scope="module")
def train_split(mnist_dir) -> mnist.Split:
    return mnist.load_split(mnist_dir, "train")


@pytest.mark.parametrize("name", sorted(recipes.RECIPES))
def test_every_recipe_trains_one_chunk(name, train_split):
    recipe = recipes.get(name)
    trainer = recipes.make_trainer(recipe, train_split)
    progress = trainer.run_chunk(3)
    assert progress.step == 3 and progress.state == "running"
    assert np.isfinite(progress.losses).all()
    assert trainer.net.config == recipe.network
    assert trainer.config == recipe.train
    used = min(recipe.train.samples, len(train_split.select(recipe.classes)))
    assert trainer.total == -(-used // recipe.train.batch_size) * recipe.train.epochs


def test_the_seed_recipe_is_the_seed_experiment():
    seed = recipes.get("seed")
    assert seed.network == NetworkConfig()  # 784-500-100-3, LeakyReLU(0.1), 0.01·randn, MSE, float64, 0/1/2
    assert seed.train == TrainConfig()  # 5000 samples, batch 1, Momentum lr 0.01 m 0.9, seed 0, dataset order
    assert seed.network.sizes == (784, 500, 100, 3) and seed.train.samples == 5000


def test_best_preset_uses_every_training_image_of_0_1_2(train_split):
    assert recipes.get("best-012").train.samples == len(train_split.select(mnist.SEED_CLASSES))


def test_overrides_change_only_what_they_name():
    seed = recipes.get("seed")
    changed = seed.with_overrides({"lr": 0.05, "hidden": [64], "dtype": "float32"})
    assert changed.train.lr == 0.05 and changed.network.sizes == (784, 64, 3) and changed.network.dtype == "float32"
    assert changed.train.momentum == seed.train.momentum and changed.network.loss == seed.network.loss
    assert seed.train.lr == 0.01  # recipes are values: the original is unchanged
    ten = seed.with_overrides({"classes": list(range(10))})
    assert ten.network.sizes == (784, 500, 100, 10)


@pytest.mark.parametrize(
    "overrides",
    [
        {"bogus": 1},
        {"lr": "fast"},
        {"loss": "hinge"},
        {"samples": 0},
        {"seed": -1},
        {"hidden": ["x"]},
        {"hidden": [float("inf")]},
        {"classes": [None]},
    ],
)
def test_bad_overrides_are_refused_with_a_message(overrides):
    with pytest.raises(ConfigError):
        recipes.get("seed").with_overrides(overrides)


def test_unknown_recipe():
    with pytest.raises(ConfigError, match="unknown recipe 'nope'; choose one of seed"):
        recipes.get("nope")


def test_page_config_comes_from_the_recipes_and_limits():
    config = page_config()
    for name, mode in PAGE_MODES.items():
        assert config["modes"][name]["classes"] == list(recipes.get(mode["recipe"]).classes)
        for preset in mode["presets"]:
            assert config["recipes"][preset]["settings"] == recipes.get(preset).settings()
    assert config["limits"]["seed"] == list(LIMITS["seed"])
