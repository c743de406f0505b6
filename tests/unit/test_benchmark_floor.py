"""The benchmark's inline floor (tests/benchmarks/variants.py) is the same math as pycore's loop:
otherwise "pycore's loop against its floor" would compare different work."""

import importlib.util

import numpy as np

from pycore import mnist
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("variants", ROOT / "tests" / "benchmarks" / "variants.py")
variants = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(variants)


def test_the_inline_floor_trains_the_same_weights_as_pycore(mnist_dir):
    from pycore import Network, TrainConfig, Trainer

    train = mnist.load_split(mnist_dir, "train").select((0, 1, 2), limit=400)
    floor = variants.inline_floor(train, None, return_params=True)
    net = Network(seed=0)
    Trainer(net, train.images, train.labels, TrainConfig(samples=len(train))).run(chunk_steps=150)
    for key, p in net.params.items():
        np.testing.assert_allclose(floor[key].reshape(p.shape), p, rtol=0, atol=1e-12 * np.abs(p).max())
