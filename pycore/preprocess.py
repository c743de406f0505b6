"""Turning a drawing into an MNIST-style 28×28 image.

MNIST's recipe: the digit's bounding box is scaled so its longer side is 20 px (anti-aliased,
aspect ratio kept), then placed in a 28×28 field so that its centre of mass is at the centre.
Ink is bright (1.0) on a black (0.0) background, like MNIST.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image

from .errors import PycoreError

FIELD = 28  # output side, px
BOX = 20  # the longer side of the digit after scaling, px
INK_THRESHOLD = 0.1  # ink fraction (0..1) below which a pixel counts as background
MAX_IMAGE_PIXELS = 4096 * 4096  # larger image files are refused before they are decoded
MAX_IMAGE_BYTES = 64 * 1024 * 1024  # larger image files are refused before they are read
WORK_SIDE = 1024  # larger images are shrunk (box filter) to this longest side before any float array is made
CENTRE = 14.0  # where the centre of mass goes: MNIST's (its digits' mean centre is (14.0, 14.0), ±0.3 px)


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
    image = shrink(image)
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
    top, left = int(centred_start(cy, new_h)), int(centred_start(cx, new_w))
    out = np.zeros((FIELD, FIELD))
    out[top : top + new_h, left : left + new_w] = glyph
    return out


def shrink(image: Image.Image) -> Image.Image:
    """``image`` with its longest side at most ``WORK_SIDE`` (a box filter, by a whole factor).

    The digit ends up 20 px tall, so more pixels add nothing; they would only cost memory (a
    4096×4096 photo as float64 arrays is over 400 MB).
    """
    factor = -(-max(image.size) // WORK_SIDE)  # ceiling division
    if factor <= 1:
        return image
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA")  # e.g. palette images, which Pillow would only sample
    return image.reduce(factor)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre of a 2-D array."""
    cy, cx = centres_of_mass(img)
    return float(cy), float(cx)


def centres_of_mass(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns (...) of the intensity-weighted centres of images (..., H, W).

    An image with no ink at all gets NaN.
    """
    h, w = images.shape[-2:]
    rows = images.sum(axis=-1)  # (..., H)
    cols = images.sum(axis=-2)  # (..., W)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = rows.sum(axis=-1)
        return rows @ np.arange(h, dtype=rows.dtype) / total, cols @ np.arange(w, dtype=cols.dtype) / total


def centred_start(com: float | np.ndarray, extent: int | np.ndarray) -> np.ndarray:
    """Where a glyph goes along one axis: the field index of its first row (or column).

    ``com`` is the glyph's centre of mass counted from its own first row, ``extent`` its length
    in px. The centre of mass lands on ``CENTRE`` (rounded to a whole pixel, ties to even), unless
    that would push the glyph out of the field. Works on numbers and on arrays alike (the
    augmentation re-centres whole batches with it).
    """
    return np.clip(np.round(CENTRE - com), 0, FIELD - extent)


def from_png(data: bytes) -> np.ndarray | None:
    """Decode an image file (PNG, JPEG, …) and run :func:`to_mnist` on it.

    Raises :class:`PycoreError` for data that is not an image Pillow can read, and for images
    over ``MAX_IMAGE_PIXELS``, refused from their header before any pixel is decoded. Pillow's
    warnings (a large image, damaged EXIF data) are silenced: the answer or the error says it all.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise PycoreError(
            f"the file is too large for an image of a digit ({len(data):,} bytes; at most {MAX_IMAGE_BYTES:,})"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise PycoreError(
                    f"the image is too large ({width}×{height} pixels; at most {MAX_IMAGE_PIXELS:,} are read)"
                )
            image.load()
            return to_mnist(image)
        except PycoreError:
            raise
        except Image.DecompressionBombError:
            raise PycoreError(f"the image is too large; at most {MAX_IMAGE_PIXELS:,} pixels are read") from None
        except Exception as exc:  # hostile bytes fail in many ways inside Pillow: OSError, EOFError, SyntaxError, …
            reason = str(exc)
            if not reason or "<_io." in reason or len(reason) > 200:
                reason = type(exc).__name__  # Pillow names the BytesIO object: no use to a person
            raise PycoreError(f"not an image file Pillow can read ({reason})") from None


def from_rgba(data: bytes | bytearray | memoryview, width: int, height: int) -> np.ndarray | None:
    """Run :func:`to_mnist` on raw RGBA bytes, as a browser canvas's ``ImageData`` holds them."""
    array = np.frombuffer(bytes(data), dtype=np.uint8)
    if array.size != width * height * 4:
        raise ValueError(f"expected {width}×{height}×4 = {width * height * 4} RGBA bytes, got {array.size}")
    return to_mnist(array.reshape(height, width, 4))
