"""Turning a drawing into an MNIST-style 28×28 image.

MNIST's recipe: the digit's bounding box is scaled so its longer side is 20 px (anti-aliased,
aspect ratio kept), then placed in a 28×28 field so that its centre of mass is at the centre.
Ink is bright (1.0) on a black (0.0) background, like MNIST.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

import numpy as np

from .errors import PycoreError, reason

if TYPE_CHECKING:
    from PIL import Image
# Pillow is imported by the functions that use it: in the browser it loads after Python is ready
# (web/worker.js), since only drawings and image files need it.

FIELD = 28  # output side, px
BOX = 20  # the longer side of the digit after scaling, px
INK_THRESHOLD = 0.1  # ink fraction (0..1) below which a pixel counts as background
MAX_IMAGE_PIXELS = 4096 * 4096  # larger image files are refused before they are decoded
MAX_IMAGE_BYTES = 64 * 1024 * 1024  # larger image files are refused before they are read
WORK_SIDE = 1024  # larger images are shrunk (box filter) to this longest side before any float array is made
STROKE_MAX = 5.0  # px at 28×28: strokes bolder than about 99 % of MNIST's are thinned ...
STROKE_MIN = 1.4  # ... strokes finer than about 99 % of MNIST's are thickened ...
STROKE_TARGET = 2.5  # ... toward MNIST's median width (see stroke_width)
THIN_SIDE = 4 * BOX  # px: thinning works on the ink's box shrunk to at most this side ...
THIN_MIN_SIDE = 2 * BOX  # ... and only on boxes at least this big (whole-pixel erosion of a smaller one is too coarse)
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
    from PIL import Image

    if isinstance(image, np.ndarray):
        image = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8))
    image = shrink(image)
    crop = ink_box(ink_from_image(image))
    if crop is None:
        return None
    glyph = fit_box(crop)
    width = stroke_width(glyph)
    bold, fine = width > STROKE_MAX, 0 < width < STROKE_MIN  # a bold pen or a small drawing; a fine pen
    if (bold or fine) and max(crop.shape) >= THIN_MIN_SIDE:
        restroked = restroke(crop, width)
        if restroked is not None:
            crop, glyph = restroked, fit_box(restroked)
    if glyph.sum() <= 0:
        return None
    new_h, new_w = glyph.shape
    cy, cx = centre_of_mass(glyph)
    top, left = int(centred_start(cy, new_h)), int(centred_start(cx, new_w))
    out = np.zeros((FIELD, FIELD))
    out[top : top + new_h, left : left + new_w] = glyph
    return out


def ink_box(ink: np.ndarray) -> np.ndarray | None:
    """The ink's bounding box (h, w) cut out of ``ink`` (pixels above ``INK_THRESHOLD``), or None."""
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return None
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_box(crop: np.ndarray) -> np.ndarray:
    """``crop`` scaled (Lanczos, aspect kept) so that its longer side is ``BOX`` px, clipped to 0..1."""
    from PIL import Image

    h, w = crop.shape
    scale = BOX / max(h, w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    glyph = Image.fromarray(crop.astype(np.float32)).resize((new_w, new_h), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(glyph, dtype=np.float64), 0.0, 1.0)  # (new_h, new_w)


def stroke_width(ink: np.ndarray) -> float:
    """The strokes' mean width in px: twice the ink's area over the length of its outline.

    Pixels over half the brightest are ink; the outline is counted in pixel edges, which over-counts
    a curve's length by 4/π on average. On MNIST's training images this gives a median of 2.5 px
    (5 % are over 3.9 px).
    """
    peak = ink.max()
    if peak <= 0:
        return 0.0
    mask = np.pad(ink > 0.5 * peak, 1)
    edges = np.count_nonzero(mask[1:] != mask[:-1]) + np.count_nonzero(mask[:, 1:] != mask[:, :-1])
    return float(2 * np.count_nonzero(mask) / (edges * np.pi / 4))


def restroke(crop: np.ndarray, width: float) -> np.ndarray | None:
    """The ink box ``crop`` with strokes eroded (or dilated) from ``width`` (px once in the 20 px
    box) toward ``STROKE_TARGET``, cut to its new box; None when that would leave too little ink
    or change nothing.

    The erosion (dilation) is a minimum (maximum) over a round window (:func:`erode_round`), done on
    the crop shrunk to at most ``THIN_SIDE`` px (so the window stays small whatever the drawing's size).
    """
    from PIL import Image

    side = max(crop.shape)
    factor = min(1.0, THIN_SIDE / side)
    image = Image.fromarray(crop.astype(np.float32))
    if factor < 1.0:
        image = image.resize(
            (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor))), Image.Resampling.BOX
        )
    radius = round((width - STROKE_TARGET) / 2 * (side * factor) / BOX)  # px of the (shrunk) crop; < 0: dilate
    if radius == 0:
        return None
    padded = np.pad(np.asarray(image, dtype=np.float64), abs(radius) + 1)  # background all round
    if radius < 0:
        return ink_box(-erode_round(-padded, -radius))  # dilation: the erosion of the background
    thinner = erode_round(padded, radius)
    if np.count_nonzero(thinner > 0.5) < 0.05 * np.count_nonzero(np.asarray(image) > 0.5):
        return None  # the strokes would all but vanish (thinner than they seemed): leave them
    return ink_box(thinner)


def erode_round(ink: np.ndarray, radius: int) -> np.ndarray:
    """Grey erosion of ``ink`` (H, W) by an octagon of about ``radius`` px: every stroke, whatever its
    direction, loses about ``radius`` px on each side.

    Alternate 3×3 plus and 3×3 square minima (a square window alone would erode a diagonal stroke
    √2 times as far as an upright one, breaking round digits at their diagonals). Outside the
    array is background.
    """
    out = ink
    for step in range(radius):
        p = np.pad(out, 1)
        out = np.minimum.reduce([p[1:-1, 1:-1], p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]])
        if step % 2:  # the square's corners too
            out = np.minimum.reduce([out, p[:-2, :-2], p[:-2, 2:], p[2:, :-2], p[2:, 2:]])
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
    from PIL import Image

    if len(data) > MAX_IMAGE_BYTES:
        raise PycoreError("image.too_many_bytes", size=len(data), limit=MAX_IMAGE_BYTES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise PycoreError("image.too_many_pixels", width=width, height=height, limit=MAX_IMAGE_PIXELS)
            image.load()
            return to_mnist(image)
        except PycoreError:
            raise
        except Image.DecompressionBombError:
            raise PycoreError("image.bomb", limit=MAX_IMAGE_PIXELS) from None
        except Exception as exc:  # hostile bytes fail in many ways inside Pillow: OSError, EOFError, SyntaxError, …
            raise PycoreError("image.unreadable", reason=reason(exc)) from None


def from_rgba(data: bytes | bytearray | memoryview, width: int, height: int) -> np.ndarray | None:
    """Run :func:`to_mnist` on raw RGBA bytes, as a browser canvas's ``ImageData`` holds them."""
    array = np.frombuffer(bytes(data), dtype=np.uint8)
    if array.size != width * height * 4:
        raise ValueError(f"expected {width}×{height}×4 = {width * height * 4} RGBA bytes, got {array.size}")
    return to_mnist(array.reshape(height, width, 4))
