import numpy as np

from pycore.losses import MeanSquaredError, SoftmaxCrossEntropy, softmax
from tests.conftest import numerical_gradient, relative_error


def test_mse_is_the_seeds_formula_for_one_sample():
    loss = MeanSquaredError()
    y = np.array([[0.5, 0.2, -0.1]])
    t = np.array([[1.0, 0.0, 0.0]])
    assert np.isclose(loss.forward(y, t), 0.5 * (0.25 + 0.04 + 0.01), rtol=1e-15)
    np.testing.assert_allclose(loss.backward(), y - t)


def test_mse_averages_over_the_batch():
    loss = MeanSquaredError()
    y = np.array([[1.0, 0.0], [0.0, 3.0]])
    t = np.zeros((2, 2))
    assert loss.forward(y, t) == 0.5 * (1 + 9) / 2


def check_loss_gradient(loss, rng):
    y = rng.standard_normal((4, 5))
    t = np.eye(5)[rng.integers(0, 5, 4)]
    loss.forward(y, t)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(y, t), y)
    assert relative_error(analytic, numeric) < 1e-6


def test_mse_gradient(rng):
    check_loss_gradient(MeanSquaredError(), rng)


def test_softmax_cross_entropy_gradient(rng):
    check_loss_gradient(SoftmaxCrossEntropy(), rng)


def test_softmax_cross_entropy_value():
    loss = SoftmaxCrossEntropy()
    y = np.log(np.array([[0.7, 0.2, 0.1]]))
    assert np.isclose(loss.forward(y, np.array([[1.0, 0.0, 0.0]])), -np.log(0.7))


def test_softmax_is_stable():
    p = softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0]])
