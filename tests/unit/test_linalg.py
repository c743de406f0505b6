"""The einsum products (used in Pyodide) equal the BLAS ones (used in CPython)."""

import numpy as np
import pytest

from pycore import app, linalg


@pytest.mark.parametrize("n", [1, 7])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_einsum_and_matmul_agree(n, dtype, rng):
    x = rng.standard_normal((n, 30)).astype(dtype)
    W = rng.standard_normal((30, 20)).astype(dtype)
    dout = rng.standard_normal((n, 20)).astype(dtype)
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(linalg.forward(x, W, use_einsum=True), linalg.forward(x, W, use_einsum=False), rtol=tol)
    a, b = np.empty((30, 20), dtype), np.empty((30, 20), dtype)
    linalg.weight_grad(x, dout, a, use_einsum=True)
    linalg.weight_grad(x, dout, b, use_einsum=False)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    dx = linalg.input_grad(dout, W, use_einsum=True)
    np.testing.assert_allclose(dx, linalg.input_grad(dout, W, use_einsum=False), rtol=tol)
    assert linalg.forward(x, W, use_einsum=True).dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_per_image_sparse_product_equals_the_dense_one(dtype, rng):
    """Adding a zero term changes no float sum: skipping each image's zero pixels gives exactly the
    dense einsum's numbers (and so the same predictions on every test image)."""
    x = rng.random((40, 784)).astype(dtype)
    x[x < 0.8] = 0
    x[3] = 0  # a blank image
    W = rng.standard_normal((784, 50)).astype(dtype)
    scratch = np.empty_like(W)
    sparse = linalg.sparse_rows_forward(x, W, scratch, use_einsum=True)
    np.testing.assert_array_equal(sparse, linalg.forward(x, W, use_einsum=True))
    np.testing.assert_allclose(
        linalg.sparse_rows_forward(x, W, scratch, use_einsum=False), sparse, rtol=1e-4, atol=1e-4
    )
    assert sparse.dtype == np.dtype(dtype)


def test_the_c_einsum_helper_equals_numpys_einsum(rng):
    x, W = rng.standard_normal((3, 7)), rng.standard_normal((7, 4))
    out = np.empty((3, 4))
    assert linalg.einsum("nd,dh->nh", x, W, out=out) is out
    np.testing.assert_array_equal(out, np.einsum("nd,dh->nh", x, W))
    np.testing.assert_array_equal(linalg.einsum("nd,dh->nh", x, W), out)


@pytest.mark.parametrize("n", [1, 7])
def test_a_product_longer_than_einsum_can_iterate_is_made_in_slices_with_the_same_numbers(n, rng, monkeypatch):
    """einsum's one iterator is limited to MAX_ITERATION combinations: here 3 samples of a 30 × 20
    layer, so 7 samples go in 3 slices; every product gives the numbers of the unsliced one."""
    x, W, dout = rng.standard_normal((n, 30)), rng.standard_normal((30, 20)), rng.standard_normal((n, 20))
    whole = (linalg.forward(x, W, use_einsum=True), linalg.input_grad(dout, W, use_einsum=True))
    grad = linalg.weight_grad(x, dout, np.empty((30, 20)), use_einsum=True)
    monkeypatch.setattr(linalg, "MAX_ITERATION", 3 * 30 * 20)
    calls = []
    monkeypatch.setattr(linalg, "einsum", lambda *args, **kw: calls.append(1) or np.einsum(*args, **kw))
    linalg.forward(x, W, use_einsum=True)
    assert len(calls) == (n + 2) // 3  # slices of 3 samples
    np.testing.assert_array_equal(linalg.forward(x, W, use_einsum=True), whole[0])
    np.testing.assert_array_equal(linalg.forward(x, W, out=np.empty((n, 20)), use_einsum=True), whole[0])
    np.testing.assert_array_equal(linalg.input_grad(dout, W, use_einsum=True), whole[1])
    np.testing.assert_array_equal(linalg.input_grad(dout, W, out=np.empty((n, 30)), use_einsum=True), whole[1])
    np.testing.assert_allclose(linalg.weight_grad(x, dout, np.empty((30, 20)), use_einsum=True), grad, rtol=1e-12)


def test_the_slices_are_where_einsum_needs_them():
    """In 32-bit Pyodide einsum refuses 1,000 test images through a 1500 × 1432 layer (2.1e9
    combinations: "iterator is too large"); the layer's product takes them in two slices. A training
    step's products never need slices."""
    bits = np.iinfo(np.intp).bits
    n, d, h = 1000, 1500, 1432
    assert 2 ** (bits - 1) - 1 == linalg.MAX_ITERATION
    # a training step's products stay within one call (the first layer's takes P and V: twice its share)
    assert 2 * app.MAX_STEP_MULTIPLY_ADDS <= 2**31 - 1
    if bits == 32:  # (Pyodide: tests/pyodide runs this file there)
        x, W = np.ones((n, d), dtype=np.float32), np.full((d, h), 0.5, dtype=np.float32)
        with pytest.raises(ValueError, match="too large"):
            linalg.einsum("nd,dh->nh", x, W)
        np.testing.assert_array_equal(linalg.forward(x, W, use_einsum=True), np.full((n, h), 750, dtype=np.float32))
