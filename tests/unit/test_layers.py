import numpy as np
import pytest

from pycore.layers import Affine, LeakyReLU, ReLU, Sigmoid, SparseInputAffine, Tanh, make_activation
from tests.conftest import numerical_gradient, relative_error


def check_input_gradient(layer, x, rng):
    """Compare backward's dx with central differences of sum(forward(x) * w)."""
    w = rng.standard_normal(layer.forward(x).shape)

    def f():
        return float(np.sum(layer.forward(x) * w))

    layer.forward(x)
    dx = layer.backward(w)
    num = numerical_gradient(f, x)
    assert relative_error(dx, num) < 1e-6


@pytest.mark.parametrize("make", [lambda: LeakyReLU(0.1), ReLU, Sigmoid, Tanh])
def test_activation_gradients(make, rng):
    x = rng.standard_normal((4, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink, where differences are not gradients
    check_input_gradient(make(), x, rng)


def test_affine_gradients(rng):
    W = rng.standard_normal((5, 3))
    b = rng.standard_normal(3)
    layer = Affine(W, b)
    x = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 3))

    def f():
        return float(np.sum(layer.forward(x) * dout))

    layer.forward(x)
    dx = layer.backward(dout)
    assert relative_error(dx, numerical_gradient(f, x)) < 1e-6
    dW, db = layer.dW.copy(), layer.db.copy()
    assert relative_error(dW, numerical_gradient(f, W)) < 1e-6
    assert relative_error(db, numerical_gradient(f, b)) < 1e-6


def test_affine_gradients_are_overwritten_not_accumulated(rng):
    layer = Affine(rng.standard_normal((5, 3)), np.zeros(3))
    x = rng.standard_normal((2, 5))
    dout = rng.standard_normal((2, 3))
    for _ in range(3):
        layer.forward(x)
        layer.backward(dout)
    np.testing.assert_allclose(layer.dW, x.T @ dout)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0))


def test_affine_sees_in_place_parameter_changes(rng):
    W = rng.standard_normal((5, 3))
    b = np.zeros(3)
    layer = Affine(W, b)
    x = rng.standard_normal((1, 5))
    W *= 2
    b += 1
    np.testing.assert_allclose(layer.forward(x), x @ W + 1)


@pytest.mark.parametrize("make", [lambda: LeakyReLU(0.1), ReLU, Sigmoid])
def test_layers_do_not_modify_their_inputs(make, rng):
    layer = make()
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    x0, d0 = x.copy(), dout.copy()
    layer.forward(x)
    layer.backward(dout)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


def test_affine_does_not_modify_its_inputs(rng):
    layer = Affine(rng.standard_normal((4, 2)), np.zeros(2))
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 2))
    x0, d0 = x.copy(), dout.copy()
    layer.forward(x)
    layer.backward(dout)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


def test_leaky_relu_values():
    out = LeakyReLU(0.1).forward(np.array([[-2.0, 0.0, 3.0]]))
    np.testing.assert_allclose(out, [[-0.2, 0.0, 3.0]])


def test_sigmoid_is_stable_for_large_inputs():
    out = Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]])
    assert np.isfinite(out).all()


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="swish"):
        make_activation("swish")


def test_tanh_saturates_without_overflow():
    out = Tanh().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(out, [[-1.0, 0.0, 1.0]])


@pytest.mark.parametrize("rows", [1, 8, 32])
def test_sparse_input_affine_equals_affine(rows, rng):
    """The fast first layer: the same output, dW, db and dx as the plain Affine."""
    W = rng.standard_normal((784, 20))
    b = rng.standard_normal(20)
    x = rng.random((rows, 784))
    x[x < 0.8] = 0
    x[:, :200] = 0  # a blank border: columns zero in the whole batch
    dout = rng.standard_normal((rows, 20))
    plain, sparse = Affine(W, b), SparseInputAffine(W, b)
    np.testing.assert_allclose(sparse.forward(x), plain.forward(x), rtol=1e-12, atol=1e-12)
    assert sparse.cols.size < 600  # it did skip columns
    np.testing.assert_allclose(sparse.backward(dout), plain.backward(dout), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sparse.dW, plain.dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sparse.db, plain.db, rtol=1e-12, atol=1e-12)
    assert not sparse.dW[:200].any()


def test_sparse_input_affine_falls_back_to_dense_input(rng):
    W, b = rng.standard_normal((30, 4)), rng.standard_normal(4)
    x = rng.standard_normal((5, 30))  # no zero column
    layer = SparseInputAffine(W, b)
    np.testing.assert_allclose(layer.forward(x), Affine(W, b).forward(x))
    assert layer.cols is layer.all_cols and layer.x is x  # no gather


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_leaky_relu_is_the_books_formula(dtype):
    """``slope * x`` gives exactly ``x`` where ``x > 0``, else ``alpha * x`` (signed zeros and
    infinities too), and the gradient ``dout`` or ``alpha * dout``."""
    values = [-3.0, -0.5, -0.0, 0.0, 0.25, 2.0] + ([-np.inf, np.inf] if dtype != "int64" else [])
    x = np.array([values], dtype=dtype)
    layer = LeakyReLU(0.1)
    out = layer.forward(x)
    expected = np.where(x <= 0, x * 0.1, x)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype
    assert (np.signbit(out) == np.signbit(expected)).all()
    dout = np.linspace(-1, 1, x.size).reshape(x.shape).astype(out.dtype)
    np.testing.assert_array_equal(layer.backward(dout), np.where(x <= 0, dout * 0.1, dout))
