"""Augmentation: each distortion is the identity at strength zero, moves pixels the way it says,
keeps the digit recognisable and centred like the page's drawings, and is seeded."""

import warnings

import numpy as np
import pytest

from pycore import augment, mnist, preprocess
from pycore.augment import STRENGTHS, Strength
from pycore.evaluation import evaluate
from pycore.network import Network, NetworkConfig
from pycore.trainer import TrainConfig, Trainer

BATCH = 64


@pytest.fixture(scope="module")
def test_split(mnist_dir) -> mnist.Split:
    return mnist.load_split(mnist_dir, "test")


@pytest.fixture(scope="module")
def digits(test_split) -> np.ndarray:
    """The first BATCH test images, (B, 784) uint8."""
    return mnist.flat_pixels(test_split.images[:BATCH])


def as_float(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), 28, 28).astype(np.float32)


def page_centred(images: np.ndarray) -> np.ndarray:
    """uint8 images placed as the page places a drawing (each through preprocess.to_mnist)."""
    out = [preprocess.to_mnist(np.ascontiguousarray(img.reshape(28, 28))) for img in images]
    return np.rint(np.stack(out) * 255).astype(np.uint8).reshape(len(images), -1)


def test_the_levels_are_declared_once():
    assert augment.LEVELS == tuple(STRENGTHS) == ("off", "light", "strong")
    assert not STRENGTHS["off"].active and STRENGTHS["off"] == Strength()
    assert STRENGTHS["light"].active and STRENGTHS["strong"].active
    light, strong = STRENGTHS["light"], STRENGTHS["strong"]
    fields = ("rotate", "scale", "shear", "elastic", "thicken", "blur")
    assert all(getattr(light, f) <= getattr(strong, f) for f in fields)


def test_off_is_the_identity_on_images_centred_like_the_page(digits, rng):
    centred = page_centred(digits)
    np.testing.assert_array_equal(augment.augment(centred, rng, "off"), centred)
    np.testing.assert_array_equal(augment.augment(centred, rng, Strength()), centred)


def test_recentring_is_the_pages_and_is_idempotent(digits):
    x = as_float(digits)
    once = augment.recentre(x)
    np.testing.assert_array_equal(augment.recentre(once), once)
    # Where the page would not rescale (the ink's box is already 20 px), it places the digit the
    # same way; it only drops the faint pixels outside that box (which can move a centre of mass
    # that lies on a half pixel across the rounding boundary: one image in 64 here).
    ink = x > augment.INK
    side = np.maximum(ink.any(axis=2).sum(axis=1), ink.any(axis=1).sum(axis=1))
    same_size = side == preprocess.BOX
    assert same_size.sum() >= BATCH // 2
    page = as_float(page_centred(digits))
    same_place = np.abs(once - page).max(axis=(1, 2)) <= augment.INK  # (B,)
    assert same_place[same_size].mean() >= 0.9


def test_each_transform_is_the_identity_at_zero(digits, rng):
    x = as_float(digits)
    n = len(x)
    matrices, shifts = augment.random_affine(rng, n, Strength())
    np.testing.assert_array_equal(matrices, np.broadcast_to(np.eye(2), (n, 2, 2)))
    np.testing.assert_array_equal(shifts, 0)
    np.testing.assert_array_equal(augment.warp(x, matrices, shifts), x)
    np.testing.assert_array_equal(augment.warp(x, matrices, shifts, np.zeros((n, 2, 28, 28), np.float32)), x)
    np.testing.assert_array_equal(augment.elastic_field(rng, n, 0.0, 4.0), 0)
    np.testing.assert_array_equal(augment.stroke_width(x, np.zeros(n)), x)
    np.testing.assert_array_equal(augment.blur(x, np.zeros(n)), x)


def test_warp_turns_and_shifts_the_right_way(digits):
    x = as_float(digits)
    n = len(x)
    quarter = np.broadcast_to(np.array([[0.0, -1.0], [1.0, 0.0]]), (n, 2, 2))  # +90°
    np.testing.assert_allclose(augment.warp(x, quarter, np.zeros((n, 2))), np.rot90(x, axes=(1, 2)), atol=1e-3)
    moved = augment.warp(x, np.broadcast_to(np.eye(2), (n, 2, 2)), np.tile([2.0, -3.0], (n, 1)))
    expected = np.zeros_like(x)
    expected[:, 2:, :-3] = x[:, :-2, 3:]  # two rows down, three columns left; the rest is background
    np.testing.assert_array_equal(moved, expected)
    half = augment.warp(x, np.broadcast_to(np.eye(2), (n, 2, 2)), np.tile([0.0, 0.5], (n, 1)))
    np.testing.assert_allclose(half[:, :, 1:], (x[:, :, 1:] + x[:, :, :-1]) / 2, rtol=1e-6)  # bilinear


def test_stroke_width_thickens_and_thins(digits):
    x = as_float(digits)
    n = len(x)
    thick = augment.stroke_width(x, np.ones(n))
    thin = augment.stroke_width(x, -np.ones(n))
    half = augment.stroke_width(x, np.full(n, 0.5))
    assert (thick >= x).all() and (thin <= x).all()
    ink = x.sum(axis=(1, 2))
    assert (thick.sum(axis=(1, 2)) > 1.3 * ink).all() and (thin.sum(axis=(1, 2)) < 0.8 * ink).all()
    np.testing.assert_allclose(half, (x + thick) / 2, rtol=1e-6)
    dot = np.zeros((1, 28, 28), np.float32)
    dot[0, 10, 10] = 255
    plus = augment.stroke_width(dot, np.ones(1))[0]
    assert plus.sum() == 5 * 255 and plus[9:12, 10].all() and plus[10, 9:12].all()  # a plus sign


def test_closing_fills_gaps_narrower_than_its_window_and_keeps_strokes(digits):
    x = as_float(digits)
    n = len(x)
    np.testing.assert_array_equal(augment.closing(x, np.zeros(n, np.float32)), x)
    one, three = (augment.closing(x, np.full(n, r, np.float32)) for r in (1.0, 3.0))
    assert (one >= x).all() and (three >= one).all()  # a closing only adds ink, more with a wider window
    assert (three.sum(axis=(1, 2)) > x.sum(axis=(1, 2))).mean() >= 0.9
    np.testing.assert_allclose(augment.closing(x, np.full(n, 0.5, np.float32)), (x + one) / 2, rtol=1e-5)
    # Two bars 2 px apart: radius 1 (a 3 px window) fills the gap; the bars' outer edges stay put.
    bars = np.zeros((1, 28, 28), np.float32)
    bars[0, 8:20, 10:12] = bars[0, 8:20, 14:16] = 255
    closed = augment.closing(bars, np.ones(1, np.float32))[0]
    assert (closed[9:19, 10:16] == 255).all()
    assert closed[:, :10].sum() == 0 and closed[:, 16:].sum() == 0 and closed[:8].sum() == 0 and closed[20:].sum() == 0
    # A lone stroke keeps its width and length: closing leaves a convex shape as it is.
    bar = np.zeros((1, 28, 28), np.float32)
    bar[0, 5:23, 12:15] = 200
    np.testing.assert_array_equal(augment.closing(bar, np.full(1, 3.0, np.float32)), bar)


def test_turned_digits_are_fitted_to_the_pages_box(digits):
    """The page scales every drawing's ink box to 20 px on its longer side; a digit turned by 20°
    has a wider box, so augmentation scales it the same way (and leaves MNIST's own boxes alone)."""
    x = as_float(digits)
    n = len(x)
    ink = x > augment.INK
    sides = np.maximum(ink.any(axis=2).sum(axis=1), ink.any(axis=1).sum(axis=1))
    same = augment.box_scale(x, np.broadcast_to(np.eye(2), (n, 2, 2)))
    np.testing.assert_allclose(same, preprocess.BOX / sides, rtol=1e-6)
    a = np.radians(20)
    turn = np.broadcast_to(np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]), (n, 2, 2))
    scale = augment.box_scale(x, turn)
    assert np.median(scale) < 0.98 and (scale > 0.75).all()
    turned = augment.warp(x, turn * scale[:, None, None], np.zeros((n, 2)))
    ink = turned > augment.INK
    turned_sides = np.maximum(ink.any(axis=2).sum(axis=1), ink.any(axis=1).sum(axis=1))
    assert np.mean(np.abs(turned_sides - preprocess.BOX) <= 1) >= 0.9
    np.testing.assert_array_equal(augment.box_scale(np.zeros((2, 28, 28), np.float32), turn[:2]), 1.0)


def test_blur_spreads_ink_and_keeps_it(digits):
    x = as_float(digits)
    sigmas = np.linspace(0.0, 1.5, len(x))
    blurred = augment.blur(x, sigmas)
    np.testing.assert_allclose(blurred.sum(axis=(1, 2)), x.sum(axis=(1, 2)), rtol=0.02)  # ink near no edge
    same = augment.blur(np.repeat(x[:1], len(x), axis=0), sigmas)  # one digit, ever wider σ
    peaks = same.max(axis=(1, 2)) / x[0].max()
    assert peaks[0] == 1 and (np.diff(peaks) <= 1e-4).all() and peaks[-1] < 0.8  # fainter strokes
    dot = np.zeros((2, 28, 28), np.float32)
    dot[:, 10, 10] = 1
    spread = augment.blur(dot, np.array([1.0, 1.0]))
    one_d = np.exp(-0.5 * np.arange(-3, 4) ** 2) / np.exp(-0.5 * np.arange(-27, 28) ** 2).sum()
    np.testing.assert_allclose(spread[0, 7:14, 7:14], np.outer(one_d, one_d), rtol=1e-5)  # a separable Gaussian
    np.testing.assert_array_equal(spread[0], spread[1])


def test_the_elastic_field_is_smooth_and_scales_with_alpha(rng):
    field = augment.elastic_field(np.random.default_rng(0), 200, 34.0, 4.0)
    twice = augment.elastic_field(np.random.default_rng(0), 200, 68.0, 4.0)
    np.testing.assert_allclose(twice, 2 * field, rtol=1e-5)
    assert abs(field.mean()) < 0.05 and 0.5 < field.std() < 3  # Simard's α = 34, σ = 4: about a pixel
    step = np.abs(np.diff(field, axis=-1)).mean()
    assert step < 0.25 * np.abs(field).mean()  # neighbours move together: smooth, not noise
    np.testing.assert_allclose(augment.gaussian_matrix(4.0).sum(axis=1), 1, rtol=1e-5)  # reflected edges keep mass


@pytest.mark.parametrize("level", augment.LEVELS)
def test_output_is_uint8_of_the_same_shape_and_centred(digits, rng, level):
    for images in (digits, digits.reshape(-1, 28, 28)):
        out = augment.augment(images, rng, level)
        assert out.dtype == np.uint8 and out.shape == images.shape
    out = augment.augment(digits, rng, level)
    cy, cx = preprocess.centres_of_mass(as_float(out))
    off = np.maximum(np.abs(cy - preprocess.CENTRE), np.abs(cx - preprocess.CENTRE))  # (B,)
    # Within half a pixel (plus rounding to uint8), unless the ink's box reaches the field's edge.
    assert np.mean(off <= 0.6) >= 0.9 and np.median(off) <= 0.4
    ink = as_float(out).sum(axis=(1, 2))
    assert (ink > 0.4 * as_float(digits).sum(axis=(1, 2))).all()  # no digit fades away
    if level != "off":
        changed = (out != augment.augment(digits, rng, "off")).any(axis=1)
        assert changed.all()


@pytest.mark.parametrize("level", ["light", "strong"])
def test_the_same_seed_gives_the_same_batch(digits, level):
    a = augment.augment(digits, np.random.default_rng(7), level)
    b = augment.augment(digits, np.random.default_rng(7), level)
    c = augment.augment(digits, np.random.default_rng(8), level)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("level", ["light", "strong"])
def test_each_image_keeps_its_place_and_label(digits, level):
    """Image i of the output comes from image i of the input alone: other images do not change it."""
    others = digits.copy()
    others[1::2] = digits[::-1][1::2]  # every other image replaced
    a = augment.augment(digits, np.random.default_rng(3), level)
    b = augment.augment(others, np.random.default_rng(3), level)
    np.testing.assert_array_equal(a[::2], b[::2])
    assert not np.array_equal(a[1::2], b[1::2])


def test_the_digits_stay_recognisable(mnist_dir, test_split):
    """A small network trained on plain images reads lightly distorted test images mostly right
    (a garbled, flipped or misplaced digit would not be), and page-centred ones as well as plain."""
    train = mnist.load_split(mnist_dir, "train")
    net = Network(NetworkConfig(sizes=(784, 100, 10), classes=tuple(range(10)), loss="softmax_ce", init="he"), seed=0)
    settings = TrainConfig(samples=10000, epochs=2, batch_size=50, optimizer="adam", lr=0.002, shuffle=True)
    Trainer(net, train.images, train.labels, settings).run()
    images, labels = test_split.images[:1000], test_split.labels[:1000]
    plain = evaluate(net, images, labels).accuracy
    assert plain > 0.85
    assert evaluate(net, augment.augment(images, np.random.default_rng(0), "off"), labels).accuracy > plain - 0.01
    assert evaluate(net, augment.augment(images, np.random.default_rng(0), "light"), labels).accuracy > 0.7


def test_blank_images_and_bad_input(rng):
    blank = np.zeros((3, 784), np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero for an image without ink
        np.testing.assert_array_equal(augment.augment(blank, rng, "strong"), blank)
    with pytest.raises(ValueError, match="uint8"):
        augment.augment(blank.astype(np.float64), rng, "light")
    assert augment.augment(np.zeros((0, 784), np.uint8), rng, "light").shape == (0, 784)


def test_centred_start_is_the_formula_preprocessing_used(rng):
    for com, extent in zip(rng.uniform(0, 20, 200), rng.integers(1, 29, 200), strict=True):
        old = int(np.clip(round(preprocess.CENTRE - com), 0, 28 - extent))  # the page's placement before it was shared
        assert int(preprocess.centred_start(com, extent)) == old
