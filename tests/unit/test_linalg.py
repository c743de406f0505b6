"""The einsum products (used in Pyodide) equal the BLAS ones (used in CPython)."""

import numpy as np
import pytest

from pycore import linalg


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
