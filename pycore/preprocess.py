"""Turning a drawing into an MNIST-style 28×28 image.

MNIST's recipe: the digit's bounding box is scaled so its longer side is 20 px (anti-aliased,
aspect ratio kept), then placed in a 28×28 field so that its centre of mass is at the centre.
Ink is bright (1.0) on a black (0.0) background, like MNIST.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image

from .errors import PycoreError

FIELD = 28  # output side, px
BOX = 20  # the longer side of the digit after scaling, px
INK_THRESHOLD = 0.1  # ink fraction (0..1) below which a pixel counts as background
MAX_IMAGE_PIXELS = 4096 * 4096  # larger image files are refused before they are decoded


def ink_from_image(image: Image.Image) -> np.ndarray:
    """Ink amount 0..1 per pixel (H, W), for any mode, dark-on-light or light-on-dark.

    Transparent pixels are background. Otherwise the polarity is read from the border: a
    light border means dark ink on a light background, which is inverted.
    """
    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float64) / 255.0  # (H, W)
    grey = np.asarray(rgba.convert("L"), dtype=np.float64) / 255.0  # (H, W)
    if alpha.min() < 1.0:
        # Strokes on a transparent canvas: composite onto the colour opposite to the strokes.
        opaque = alpha > 0.5
        stroke_is_dark = opaque.any() and grey[opaque].mean() < 0.5
        ink = alpha * ((1.0 - grey) if stroke_is_dark else grey)
        return ink
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return (1.0 - grey) if np.median(border) > 0.5 else grey


def to_mnist(image: Image.Image | np.ndarray) -> np.ndarray | None:
    """A drawing as a (28, 28) float array in 0..1, or ``None`` when nothing is drawn.

    ``image`` is a PIL image or an array: (H, W) greyscale, (H, W, 3) RGB or (H, W, 4) RGBA.
    """
    if isinstance(image, np.ndarray):
        image = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8))
    ink = ink_from_image(image)
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return None
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w) the ink's bounding box
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    glyph = Image.fromarray(crop.astype(np.float32)).resize((new_w, new_h), Image.Resampling.LANCZOS)
    glyph = np.clip(np.asarray(glyph, dtype=np.float64), 0.0, 1.0)  # (new_h, new_w)
    if glyph.sum() <= 0:
        return None
    cy, cx = centre_of_mass(glyph)
    centre = (FIELD - 1) / 2  # 13.5: the middle of pixel indices 0..27
    top = int(np.clip(round(centre - cy), 0, FIELD - new_h))
    left = int(np.clip(round(centre - cx), 0, FIELD - new_w))
    out = np.zeros((FIELD, FIELD))
    out[top : top + new_h, left : left + new_w] = glyph
    return out


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre of a 2-D array."""
    total = img.sum()
    ys, xs = np.indices(img.shape)
    return float((ys * img).sum() / total), float((xs * img).sum() / total)


def from_png(data: bytes) -> np.ndarray | None:
    """Decode an image file (PNG, JPEG, …) and run :func:`to_mnist` on it.

    Raises :class:`PycoreError` for data that is not an image Pillow can read, and for images
    over ``MAX_IMAGE_PIXELS``, refused from their header before any pixel is decoded.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we refuse big images ourselves
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                limit = f"{MAX_IMAGE_PIXELS:,}"
                raise PycoreError(f"the image is too large ({width}×{height} pixels; at most {limit} are read)")
            image.load()
        except PycoreError:
            raise
        except Image.DecompressionBombError:
            raise PycoreError(f"the image is too large; at most {MAX_IMAGE_PIXELS:,} pixels are read") from None
        except (OSError, ValueError, SyntaxError, struct.error) as exc:
            reason = type(exc).__name__ if "<_io." in str(exc) else str(exc)
            raise PycoreError(f"not an image file Pillow can read ({reason})") from None
    return to_mnist(image)


def from_rgba(data: bytes | bytearray | memoryview, width: int, height: int) -> np.ndarray | None:
    """Run :func:`to_mnist` on raw RGBA bytes, as a browser canvas's ``ImageData`` holds them."""
    array = np.frombuffer(bytes(data), dtype=np.uint8)
    if array.size != width * height * 4:
        raise ValueError(f"expected {width}×{height}×4 = {width * height * 4} RGBA bytes, got {array.size}")
    return to_mnist(array.reshape(height, width, 4))
