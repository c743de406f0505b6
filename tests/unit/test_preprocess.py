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
