import numpy as np
import pytest

from pycore.errors import ConfigError
from pycore.layers import ACTIVATIONS
from pycore.network import Network, NetworkConfig
from pycore.optimizers import Momentum
from tests.conftest import numerical_gradient, relative_error


def small_config(**kw):
    return NetworkConfig(sizes=(6, 5, 4, 3), **kw)


@pytest.mark.parametrize("loss", ["mse", "softmax_ce"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_whole_network_gradient(loss, activation, rng):
    net = Network(NetworkConfig(sizes=(6, 5, 4, 3), activation=activation, loss=loss, weight_scale=0.5), seed=3)
    x = rng.standard_normal((4, 6))
    t = np.eye(3)[[0, 1, 2, 1]]
    net.forward_loss(x, t)
    grads = {k: v.copy() for k, v in net.backward().items()}
    for key, p in net.params.items():
        numeric = numerical_gradient(lambda: net.forward_loss(x, t), p)
        assert relative_error(grads[key], numeric) < 1e-6, key


def test_default_is_the_seed_network():
    net = Network()
    assert net.config.sizes == (784, 500, 100, 3)
    assert [type(layer).__name__ for layer in net.layers] == [
        "SparseInputAffine", "LeakyReLU", "Affine", "LeakyReLU", "Affine",
    ]  # fmt: skip
    assert net.layers[1].alpha == 0.1
    assert net.params["W1"].shape == (784, 500)
    assert abs(net.params["W1"].std() - 0.01) < 0.0005
    assert all(not net.params[f"b{i}"].any() for i in (1, 2, 3))
    assert net.outputs == "scores"


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = Network(seed=7), Network(seed=7), Network(seed=8)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_layers_see_optimizer_updates():
    net = Network(small_config(), seed=0)
    x = np.ones((1, 6))
    t = np.array([[1.0, 0.0, 0.0]])
    before = net.predict(x).copy()
    net.forward_loss(x, t)
    Momentum(lr=0.5).update(net.params, net.backward())
    assert net.layers[0].W is net.params["W1"]
    assert not np.allclose(net.predict(x), before)


def test_copy_params_from_keeps_the_arrays():
    net = Network(small_config(), seed=0)
    other = Network(small_config(), seed=1)
    W1 = net.params["W1"]
    net.copy_params_from(other.params)
    assert net.params["W1"] is W1 and net.layers[0].W is W1
    np.testing.assert_array_equal(W1, other.params["W1"])


def test_a_network_made_from_params_copies_them():
    other = Network(small_config(), seed=1)
    net = Network(small_config(), params=other.params)  # no weights drawn: a model file's are used
    x = np.linspace(0, 1, 12).reshape(2, 6)
    np.testing.assert_array_equal(net.predict(x), other.predict(x))
    for key, p in net.params.items():
        assert p is not other.params[key] and not np.shares_memory(p, other.params[key])
    other.params["W1"] += 1.0
    assert not np.array_equal(net.params["W1"], other.params["W1"])


def test_float32_network():
    net = Network(small_config(dtype="float32"), seed=0)
    assert net.params["W1"].dtype == np.float32
    assert net.predict(np.ones((2, 6))).dtype == np.float32


def test_softmax_network_outputs_probabilities():
    net = Network(small_config(loss="softmax_ce"), seed=0)
    p = net.scores(np.ones((2, 6)))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert net.outputs == "probabilities"


@pytest.mark.parametrize(
    "kw",
    [
        {"sizes": (784,)},
        {"activation": "swish"},
        {"loss": "hinge"},
        {"dtype": "float16"},
        {"classes": (0, 1)},
        {"init": "xavier"},
    ],
)
def test_bad_configs_are_refused(kw):
    with pytest.raises(ConfigError):
        NetworkConfig(**kw)


def test_he_init_scales_each_layer_by_its_input_width():
    net = Network(NetworkConfig(sizes=(784, 500, 100, 10), classes=tuple(range(10)), init="he"), seed=0)
    for key, inputs in (("W1", 784), ("W2", 500), ("W3", 100)):
        assert net.params[key].std() == pytest.approx(np.sqrt(2 / inputs), rel=0.1)
    assert Network(seed=0).params["W2"].std() == pytest.approx(0.01, rel=0.05)  # the seed's


def test_repr_says_what_it_is():
    assert repr(Network()) == "Network(784-500-100-3, leaky_relu, loss=mse, float64, 442903 parameters)"
