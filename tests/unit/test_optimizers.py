"""Each optimizer's update against its formula on hand-made numbers."""

import numpy as np
import pytest

from pycore.optimizers import SGD, AdaGrad, Adam, Momentum, make_optimizer


def params_and_grads():
    return {"W": np.array([1.0, -2.0])}, {"W": np.array([0.5, 0.25])}


def test_sgd():
    p, g = params_and_grads()
    SGD(lr=0.1).update(p, g)
    np.testing.assert_allclose(p["W"], [1.0 - 0.05, -2.0 - 0.025])


def test_momentum_two_steps():
    p, g = params_and_grads()
    opt = Momentum(lr=0.01, momentum=0.9)
    opt.update(p, g)  # v = -0.01 g
    np.testing.assert_allclose(p["W"], [1.0 - 0.005, -2.0 - 0.0025])
    opt.update(p, g)  # v = 0.9 * (-0.01 g) - 0.01 g = -0.019 g
    np.testing.assert_allclose(p["W"], [1.0 - 0.005 - 0.0095, -2.0 - 0.0025 - 0.00475])
    np.testing.assert_allclose(opt.v["W"], [-0.0095, -0.00475])


def test_momentum_defaults_are_the_seeds():
    opt = Momentum()
    assert (opt.lr, opt.momentum) == (0.01, 0.9)


def test_adagrad():
    p, g = params_and_grads()
    opt = AdaGrad(lr=0.1, eps=0.0)
    opt.update(p, g)  # h = g², step = lr * g / |g| = lr * sign(g)
    np.testing.assert_allclose(p["W"], [0.9, -2.1])
    opt.update(p, g)  # h = 2 g², step = lr / sqrt(2)
    np.testing.assert_allclose(p["W"], [0.9 - 0.1 / np.sqrt(2), -2.1 - 0.1 / np.sqrt(2)])


def test_adam_first_step_moves_by_lr():
    p, g = params_and_grads()
    opt = Adam(lr=0.001, eps=0.0)
    opt.update(p, g)  # bias-corrected m/sqrt(v) = sign(g) on step 1
    np.testing.assert_allclose(p["W"], [1.0 - 0.001, -2.0 - 0.001])


def test_adam_second_step_formula():
    p = {"W": np.array([0.0])}
    opt = Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    g1, g2 = 1.0, -2.0
    opt.update(p, {"W": np.array([g1])})
    opt.update(p, {"W": np.array([g2])})
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2**2
    step1 = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9) * m1 / (np.sqrt(v1) + 1e-8)
    step2 = 0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2) * m2 / (np.sqrt(v2) + 1e-8)
    np.testing.assert_allclose(p["W"], [-step1 - step2])


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "adam"])
def test_updates_are_in_place(name):
    p, g = params_and_grads()
    array = p["W"]
    make_optimizer(name, lr=0.1).update(p, g)
    assert p["W"] is array
    assert not np.array_equal(array, [1.0, -2.0])


def test_unknown_optimizer_is_named():
    with pytest.raises(ValueError, match="rmsprop"):
        make_optimizer("rmsprop", lr=0.1)


def test_momentum_updates_a_networks_neighbouring_arrays_as_one_run(rng):
    """A Network's parameters and gradients lie end to end in one buffer each: Momentum updates
    those it does not hold as one flat array, with the numbers of one update per array."""
    from pycore.network import Network, NetworkConfig

    net = Network(NetworkConfig(sizes=(6, 5, 4, 3)), seed=1)
    for g in net.param_grads.values():
        g[...] = rng.standard_normal(g.shape)
    grads = dict(net.param_grads)
    apart = {key: p.copy() for key, p in net.params.items()}  # the same arrays, each on its own
    one_run, each = Momentum(lr=0.1, momentum=0.9), Momentum(lr=0.1, momentum=0.9)
    for _ in range(3):
        one_run.update(net.params, grads)
        each.update(apart, {key: g.copy() for key, g in grads.items()})
    (p, _, v, _) = one_run.runs(net.params, grads)[0]
    assert len(one_run.runs(net.params, grads)) == 1 and p.size == net.parameter_count()
    assert len(each.runs(apart, grads)) == len(apart)
    for key in apart:
        np.testing.assert_array_equal(net.params[key], apart[key])
        np.testing.assert_array_equal(one_run.v[key], each.v[key])
        assert np.shares_memory(one_run.v[key], v)


def test_momentum_keeps_velocities_when_its_runs_change(rng):
    """A velocity made for one array alone keeps its values when the array joins a run."""
    from pycore.network import Network, NetworkConfig

    net = Network(NetworkConfig(sizes=(6, 5, 3)), seed=1)
    opt = Momentum(lr=0.1, momentum=0.5)
    opt.update({"W1": net.params["W1"]}, {"W1": np.ones_like(net.params["W1"])})  # W1 alone: its own velocity
    alone = opt.v["W1"].copy()
    net.param_grads["W1"].base[...] = 1.0
    opt.update(net.params, dict(net.param_grads))  # now W1 is in the network's run
    np.testing.assert_array_equal(opt.v["W1"], 0.5 * alone - 0.1)
    np.testing.assert_array_equal(opt.v["b2"], np.full(3, -0.1))
