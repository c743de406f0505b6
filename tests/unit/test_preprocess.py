import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pycore import preprocess


def draw_zero(size=280, box=(100, 80, 180, 200), width=14, light_background=True, mode="L"):
    """A '0' as a person might draw it: an ellipse outline."""
    bg, ink = (255, 0) if light_background else (0, 255)
    img = Image.new("L", (size, size), bg)
    ImageDraw.Draw(img).ellipse(box, outline=ink, width=width)
    return img.convert(mode)


def check_mnist_like(out):
    assert out.shape == (28, 28)
    assert out.min() >= 0.0 and out.max() <= 1.0
    cy, cx = preprocess.centre_of_mass(out)
    assert abs(cy - preprocess.CENTRE) <= 1 and abs(cx - preprocess.CENTRE) <= 1
    rows = np.flatnonzero((out > 0.05).any(axis=1))
    cols = np.flatnonzero((out > 0.05).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize(
    "box",
    [(100, 80, 180, 200), (130, 120, 150, 150), (50, 5, 230, 275), (10, 150, 60, 270)],
    ids=["centred", "small", "large", "off-centre"],
)
def test_same_digit_any_size_or_place_ends_centred_and_20px(box):
    h, w = check_mnist_like(preprocess.to_mnist(draw_zero(box=box, width=max(3, (box[3] - box[1]) // 8))))
    assert max(h, w) in (20, 21)  # 20 px, plus at most one anti-aliased pixel
    assert h > w  # aspect ratio kept: taller than wide


def test_polarity_and_modes_give_the_same_image():
    dark_on_light = preprocess.to_mnist(draw_zero())
    light_on_dark = preprocess.to_mnist(draw_zero(light_background=False))
    rgb = preprocess.to_mnist(draw_zero(mode="RGB"))
    np.testing.assert_allclose(light_on_dark, dark_on_light, atol=1e-6)
    np.testing.assert_allclose(rgb, dark_on_light, atol=1e-6)
    assert dark_on_light[0, 0] == 0.0  # background is black, like MNIST


def test_strokes_on_a_transparent_canvas():
    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(100, 30), (100, 170)], fill=(0, 0, 0, 255), width=12)
    out = preprocess.to_mnist(img)
    h, w = check_mnist_like(out)
    assert h == 20 and w <= 4  # a '1' stays thin


def test_rgba_bytes_like_a_canvas():
    img = Image.new("RGBA", (64, 48), (255, 255, 255, 255))
    ImageDraw.Draw(img).line([(30, 5), (30, 40)], fill=(0, 0, 0, 255), width=4)
    out = preprocess.from_rgba(img.tobytes(), 64, 48)
    check_mnist_like(out)
    with pytest.raises(ValueError, match="RGBA bytes"):
        preprocess.from_rgba(b"123", 64, 48)


@pytest.mark.parametrize("bg", [0, 255])
def test_blank_image_is_nothing_drawn(bg):
    assert preprocess.to_mnist(Image.new("L", (100, 100), bg)) is None
    assert preprocess.to_mnist(Image.new("RGBA", (100, 100), (0, 0, 0, 0))) is None


def test_png_bytes():
    buf = io.BytesIO()
    draw_zero().save(buf, format="PNG")
    check_mnist_like(preprocess.from_png(buf.getvalue()))


def test_mnist_image_survives_preprocessing(mnist_dir):
    """A real MNIST digit, scaled up like a drawing, comes back close to itself."""
    from pycore import mnist

    digit = mnist.load_split(mnist_dir, "test").images[3]
    big = Image.fromarray(digit).resize((280, 280), Image.Resampling.BILINEAR)
    out = preprocess.to_mnist(big)
    assert np.corrcoef(out.ravel(), digit.ravel() / 255.0)[0, 1] > 0.8


def test_stroke_width_of_mnist_digits(mnist_dir):
    """The estimate the thinning relies on: MNIST's strokes are about 2.5 px wide, and only about 1 %
    are over STROKE_MAX (so MNIST-like drawings are left as they are)."""
    from pycore import mnist

    images = mnist.load_split(mnist_dir, "train").images[:2000].astype(np.float64)
    widths = np.array([preprocess.stroke_width(image) for image in images])
    assert 2.3 <= np.median(widths) <= 2.7
    assert np.mean(widths > preprocess.STROKE_MAX) < 0.02
    bar = np.zeros((28, 28))
    bar[4:24, 12:15] = 1.0  # a vertical bar 3 px wide: the edge count gives 4/π too much outline
    assert preprocess.stroke_width(bar) == pytest.approx(3 * 4 / np.pi * 20 / 23, rel=0.01)
    assert preprocess.stroke_width(np.zeros((5, 5))) == 0.0


def test_a_small_drawing_with_a_bold_pen_is_thinned_toward_mnist(monkeypatch):
    small = draw_zero(box=(115, 100, 165, 175), width=20)  # 75 px tall, 20 px pen (the page's until 14)
    thinned = preprocess.to_mnist(small)
    monkeypatch.setattr(preprocess, "STROKE_MAX", float("inf"))
    bold = preprocess.to_mnist(small)
    assert preprocess.stroke_width(bold) > 5.0  # what it was: bolder than ~99 % of MNIST
    assert 2.0 < preprocess.stroke_width(thinned) < 3.0  # MNIST's median is 2.5
    h, w = check_mnist_like(thinned)
    assert max(h, w) in (20, 21) and h > w
    assert thinned[12:16, 12:16].max() < 0.5  # still a ring: the hole stays open


def test_large_drawings_and_blobs_are_not_thinned_into_nothing():
    large = draw_zero(box=(50, 5, 230, 275), width=20)
    assert preprocess.stroke_width(preprocess.to_mnist(large)) < 2.0  # a thin stroke at this size: left as it is
    blob = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(blob).ellipse((80, 60, 200, 220), fill=0)  # a filled disc: no strokes to thin
    out = preprocess.to_mnist(blob)
    h, w = check_mnist_like(out)
    assert max(h, w) in (20, 21) and out[14, 14] > 0.9
    huge = Image.new("L", (1024, 1024), 255)
    ImageDraw.Draw(huge).ellipse((200, 100, 800, 900), outline=0, width=250)  # a huge pen on a huge canvas
    out = preprocess.to_mnist(huge)
    assert out is not None and 2.0 < preprocess.stroke_width(out) < 3.0


def test_a_fine_pen_is_thickened_toward_mnist(monkeypatch):
    fine = draw_zero(box=(50, 5, 230, 275), width=4)  # a large 0 drawn with a 4 px pen
    thickened = preprocess.to_mnist(fine)
    monkeypatch.setattr(preprocess, "STROKE_MIN", 0.0)
    hairline = preprocess.to_mnist(fine)
    assert preprocess.stroke_width(hairline) < 1.0  # finer than about all of MNIST's
    assert 1.8 < preprocess.stroke_width(thickened) < 3.0
    h, w = check_mnist_like(thickened)
    assert max(h, w) in (20, 21) and thickened[12:16, 12:16].max() < 0.5  # the same ring, bolder


def test_round_erosion_thins_every_direction_alike():
    """A square window would thin a diagonal stroke √2 times as far as an upright one and break a
    small, bold ring at its diagonals; the round erosion takes about the same off every stroke."""
    widths = {}
    k = np.arange(-30, 31)
    across = {"upright": (np.full_like(k, 60), 60 + k, 1.0), "diagonal": (60 + k, 60 - k, np.sqrt(2))}
    for name, line in {"upright": (60, 20, 60, 100), "diagonal": (30, 30, 90, 90)}.items():
        image = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(image).line(line, fill=255, width=21)
        ink = np.asarray(image, dtype=np.float64) / 255
        eroded = preprocess.erode_round(ink, 6)
        rows, cols, step = across[name]  # a line of pixels across the stroke's middle, ``step`` px apart
        widths[name] = [(a[rows, cols] > 0.5).sum() * step for a in (ink, eroded)]
    for before, after in widths.values():
        assert 20 <= before <= 23 and before - 15 <= after <= before - 10  # about 6 px off each side
    assert abs(widths["upright"][1] - widths["diagonal"][1]) <= 2
    np.testing.assert_array_equal(preprocess.erode_round(np.ones((5, 5)), 0), np.ones((5, 5)))
    once = preprocess.erode_round(np.ones((5, 5)), 1)
    assert once[2, 2] == 1 and once[0, 0] == 0  # outside is background


def test_a_small_bold_ring_stays_a_ring():
    """A 0 about 60 px tall drawn with a 20 px pen (the page's until it became 14 px): thinned, its
    ring stays closed all round (every ray from the hole meets ink) and its hole open."""
    ring = draw_zero(box=(120, 100, 165, 165), width=20)
    out = preprocess.to_mnist(ring)
    assert preprocess.stroke_width(out) < 4.0
    cy, cx = (round(c) for c in preprocess.centre_of_mass(out))
    assert out[cy, cx] < 0.5  # the hole
    for angle in np.linspace(0, 2 * np.pi, 32, endpoint=False):
        ray = [
            out[round(cy + r * np.sin(angle)), round(cx + r * np.cos(angle))]
            for r in np.arange(1, 12, 0.5)
            if 0 <= round(cy + r * np.sin(angle)) < 28 and 0 <= round(cx + r * np.cos(angle)) < 28
        ]
        assert max(ray) > 0.5, f"a gap in the ring at {np.degrees(angle):.0f}°"
