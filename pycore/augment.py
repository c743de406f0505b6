"""Data augmentation: random distortions of a batch of 28×28 digits, as people's writing differs.

Per image, from a seeded ``np.random.Generator``: for some images a closing that fills gaps and
loops (a pen too wide for them, as a digit drawn small with a bold pen comes out of the page's
thinning), the stroke width (grey dilation or erosion, blended by a random amount), a random affine
map (rotation, scale, shear, shift) that also brings the ink's box back to the 20 px the page
scales every drawing to, Simard's elastic distortion (a random displacement field smoothed by a
Gaussian), a Gaussian blur (a digit drawn small and scaled up), and then the re-centring of the
page's preprocessing (:func:`pycore.preprocess.centred_start`), so that training sees what the page
feeds the network. Everything is vectorised over the batch (no Python loop per image) and pure
NumPy, so it runs in Pyodide too.

The strength levels are :data:`STRENGTHS`: ``off``, ``light`` and ``strong``.

>>> out = augment(images, np.random.default_rng(0), "light")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import preprocess

SIDE = preprocess.FIELD  # images are SIDE × SIDE
INK = preprocess.INK_THRESHOLD * 255  # a pixel above this is ink (for the bounding box), as in preprocessing


@dataclass(frozen=True)
class Strength:
    """How far each distortion may go; each is drawn per image, uniformly within ±its value.

    Zero turns a distortion off (the image passes through it unchanged).
    """

    rotate: float = 0.0  # degrees
    scale: float = 0.0  # relative: 0.1 scales by 0.9..1.1
    shear: float = 0.0  # horizontal shear, x += shear·y (0.3 ≈ 17°)
    shift: float = 0.0  # px; re-centring afterwards keeps only its sub-pixel part (the strokes' phase)
    elastic: float = 0.0  # Simard's α: the displacement field's scale, px per unit of smoothed noise
    elastic_sigma: float = 4.0  # the Gaussian's σ that smooths the displacement field, px
    thicken: float = 0.0  # stroke width: up to this fraction of one step of grey dilation (3×3 plus)
    thin: float = 0.0  # ... or up to this fraction of one step of grey erosion
    blur: float = 0.0  # a Gaussian blur of σ up to this, px (a digit drawn small and scaled up is blurred)
    close: float = 0.0  # a grey closing of up to this radius, px: gaps and loops filled (a pen too wide for them)
    close_share: float = 1.0  # ... for this fraction of the images (the others are not closed)

    @property
    def active(self) -> bool:
        """Whether anything is changed at all (re-centring apart)."""
        distortions = (self.rotate, self.scale, self.shear, self.shift, self.elastic, self.thicken, self.thin)
        return any((*distortions, self.blur, self.close and self.close_share))


STRENGTHS: dict[str, Strength] = {
    "off": Strength(),
    "light": Strength(
        rotate=15.0,
        scale=0.1,
        shear=0.15,
        shift=1.0,
        elastic=20.0,
        thicken=0.5,
        thin=0.3,
        blur=1.0,
        close=5.0,
        close_share=0.25,
    ),
    "strong": Strength(rotate=20.0, scale=0.15, shear=0.3, shift=1.0, elastic=34.0, thicken=1.0, thin=0.5, blur=1.5),
}
LEVELS = tuple(STRENGTHS)  # the names TrainConfig.augment, the CLI and the page accept


def augment(images: np.ndarray, rng: np.random.Generator, strength: str | Strength = "light") -> np.ndarray:
    """A distorted copy of uint8 ``images`` (B, 784) or (B, 28, 28), of the same shape and dtype.

    Labels are untouched: every image stays at its index. The output is re-centred like the
    page's drawings, even at strength ``off``.
    """
    s = STRENGTHS[strength] if isinstance(strength, str) else strength
    pixels = np.asarray(images)
    if pixels.dtype != np.uint8:
        raise ValueError(f"images must be uint8 pixels (0..255), got {pixels.dtype}")
    n = len(pixels)
    if n == 0:
        return pixels.copy()
    x = pixels.reshape(n, SIDE, SIDE).astype(np.float32)  # (B, 28, 28) in 0..255
    if s.close and s.close_share:
        radii = (rng.uniform(0.0, s.close, n) * (rng.random(n) < s.close_share)).astype(np.float32)
        some = radii > 0
        x[some] = closing(x[some], radii[some])
    if s.thicken or s.thin:
        x = stroke_width(x, rng.uniform(-s.thin, s.thicken, n).astype(np.float32))
    if s.rotate or s.scale or s.shear or s.shift or s.elastic:
        matrices, shifts = random_affine(rng, n, s)
        matrices = matrices * box_scale(x, matrices)[:, None, None]  # the page fits the ink's box to 20 px
        field = elastic_field(rng, n, s.elastic, s.elastic_sigma) if s.elastic else None
        x = warp(x, matrices, shifts, field)
    if s.blur:
        x = blur(x, rng.uniform(0.0, s.blur, n))
    x = recentre(x)
    return np.rint(np.clip(x, 0, 255)).astype(np.uint8).reshape(pixels.shape)


def random_affine(rng: np.random.Generator, n: int, s: Strength) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random maps (n, 2, 2) on (row, column) offsets from the centre, and shifts (n, 2) in px.

    The map is rotation · shear · scale, taking a point of the original to the distorted image.
    """
    angle = np.radians(rng.uniform(-s.rotate, s.rotate, n))
    scale = 1.0 + rng.uniform(-s.scale, s.scale, n)
    shear = rng.uniform(-s.shear, s.shear, n)
    shifts = rng.uniform(-s.shift, s.shift, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    # In (row, col) = (y, x) coordinates: x' = x + shear·y; then rotation by angle; all scaled.
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # (n, 2, 2)
    shearing = np.zeros((n, 2, 2))
    shearing[:, 0, 0] = shearing[:, 1, 1] = 1.0
    shearing[:, 1, 0] = shear  # the column grows with the row
    return rotation @ shearing * scale[:, None, None], shifts


def box_scale(x: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """(B,) factors that bring each image's ink, once moved by its map (B, 2, 2), back to a box of
    ``preprocess.BOX`` px on its longer side, as the page's preprocessing scales every drawing.

    A digit turned by 20° has a wider box, which the page shrinks; without this, training would
    see turned digits larger than the page shows them. An image without ink keeps its scale (1).
    """
    n = len(x)
    ink = (x > INK).reshape(n, 1, -1)  # (B, 1, 784)
    grid = np.indices((SIDE, SIDE), dtype=np.float32).reshape(2, -1)  # (2, 784): row, col
    moved = matrices.astype(np.float32) @ grid  # (B, 2, 784)
    extent = np.where(ink, moved, -np.inf).max(axis=2) - np.where(ink, moved, np.inf).min(axis=2)  # (B, 2)
    longer = np.where(ink.any(axis=2)[:, 0], extent.max(axis=1) + 1.0, preprocess.BOX)  # px, both ends counted
    return np.clip(preprocess.BOX / longer, 0.5, 2.0)


@lru_cache(maxsize=8)
def gaussian_matrix(sigma: float, size: int = SIDE) -> np.ndarray:
    """(size, size) matrix of a 1-D Gaussian blur with reflected edges: ``G @ f`` blurs columns.

    A separable 2-D blur of ``f`` (…, size, size) is then ``G @ f @ G.T``.
    """
    radius = max(1, math.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    period = 2 * size
    g = np.zeros((size, size))
    for i in range(size):  # size × (2·radius + 1) entries, once per σ
        j = (i + offsets) % period
        j = np.where(j < size, j, period - 1 - j)  # reflect at the edges (…, 1, 0 | 0, 1, …)
        np.add.at(g[i], j, weights)
    g = g.astype(np.float32)
    g.setflags(write=False)  # shared by every call (cached)
    return g


def elastic_field(rng: np.random.Generator, n: int, alpha: float, sigma: float) -> np.ndarray:
    """Simard's displacement fields (n, 2, 28, 28): uniform noise in −1..1 blurred by a Gaussian, times α."""
    g = gaussian_matrix(float(sigma))
    noise = rng.random((n, 2, SIDE, SIDE), dtype=np.float32)  # 0..1
    noise -= 0.5
    return (2.0 * alpha) * (g @ noise @ g.T)


def warp(x: np.ndarray, matrices: np.ndarray, shifts: np.ndarray, field: np.ndarray | None = None) -> np.ndarray:
    """Images (B, 28, 28) moved by the maps (B, 2, 2), shifts (B, 2) and displacements (B, 2, 28, 28).

    Each output pixel p reads the input, bilinearly, at ``A⁻¹·(p − c − shift) + c + field(p)``,
    c the field's centre; outside the image is background (0).
    """
    n = len(x)
    c = (SIDE - 1) / 2
    grid = np.indices((SIDE, SIDE), dtype=np.float32).reshape(2, -1) - c  # (2, 784): row, col offsets
    inverse = np.linalg.inv(matrices).astype(np.float32)  # (B, 2, 2)
    src = inverse @ (grid[None] - shifts[:, :, None].astype(np.float32)) + c  # (B, 2, 784)
    if field is not None:
        src = src + field.reshape(n, 2, -1)
    # A border of background all round: one row and column before, two after (so that a
    # sample's lower and right neighbours always exist).
    width = SIDE + 3
    padded = np.zeros((n, width, width), dtype=np.float32)
    padded[:, 1 : SIDE + 1, 1 : SIDE + 1] = x
    src = np.clip(src, -1.0, float(SIDE)) + 1.0  # in the padded image: 0 .. SIDE + 1
    top = np.floor(src)
    fy, fx = src[:, 0] - top[:, 0], src[:, 1] - top[:, 1]  # (B, 784) the fractional parts
    corner = top[:, 0].astype(np.intp) * width + top[:, 1].astype(np.intp)  # (B, 784) upper left, in the image
    corner += (np.arange(n, dtype=np.intp) * width * width)[:, None]  # ... and in the whole batch
    flat = padded.reshape(-1)
    upper = flat.take(corner)
    upper += fx * (flat.take(corner + 1) - upper)
    lower = flat.take(corner + width)
    lower += fx * (flat.take(corner + width + 1) - lower)
    upper += fy * (lower - upper)
    return upper.reshape(n, SIDE, SIDE)


def stroke_width(x: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Images (B, 28, 28) with thicker (width > 0) or thinner (width < 0) strokes.

    Grey dilation (erosion) is the maximum (minimum) over the pixel and its 4 neighbours; the
    result is blended with the image by ``|width|`` (0: unchanged, 1: one full step).
    """
    padded = np.zeros((len(x), SIDE + 2, SIDE + 2), dtype=x.dtype)
    padded[:, 1:-1, 1:-1] = x
    neighbours = (padded[:, :-2, 1:-1], padded[:, 2:, 1:-1], padded[:, 1:-1, :-2], padded[:, 1:-1, 2:])
    dilated = x.copy()
    eroded = x.copy()
    for shifted in neighbours:  # a plus-shaped 3×3 neighbourhood: four shifted copies
        np.maximum(dilated, shifted, out=dilated)
        np.minimum(eroded, shifted, out=eroded)
    w = widths.astype(x.dtype)[:, None, None]
    target = np.where(w > 0, dilated, eroded)
    return x + np.abs(w) * (target - x)


def closing(x: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Images (B, 28, 28) closed by a round window of radius ``radii`` (B,) px: a grey dilation then
    an erosion by the same window, which fills gaps and loops narrower than the window and keeps
    the strokes' width, as a pen too wide for the digit's gaps does once the page's preprocessing
    has thinned its strokes. A fractional radius blends the two nearest whole ones; 0 changes nothing.

    The window grows by alternate 3×3 plus and 3×3 square steps (as the page's ``erode_round``).
    """
    r = np.asarray(radii, dtype=np.float32)
    whole = math.ceil(float(np.max(r, initial=0.0)))
    if whole == 0:
        return x.copy()
    lower = np.floor(r).astype(np.intp)
    upper = np.minimum(lower + 1, whole)  # each image needs the closings of radius lower and upper
    below, above = x.copy(), x.copy()  # ... which go here (radius 0: the image itself)
    # Room all round for the dilation, so that the erosion does not eat ink near the image's edges.
    active = np.flatnonzero(upper >= 1)  # the images still needing a wider window
    dilated = np.pad(x[active], ((0, 0), (whole, whole), (whole, whole)))
    for k in range(1, whole + 1):
        if k > 1:  # keep only the images that need radius k or more
            keep = upper[active] >= k
            active, dilated = active[keep], dilated[keep]
        dilated = _round_step(dilated, np.maximum, k - 1)
        wanted = (lower[active] == k) | (upper[active] == k)
        out = dilated[wanted]
        for step in reversed(range(k)):  # the erosion retraces the dilation's steps
            out = _round_step(out, np.minimum, step)
        out = out[:, whole:-whole, whole:-whole]
        which = active[wanted]
        below[which[lower[which] == k]] = out[lower[which] == k]
        above[which[upper[which] == k]] = out[upper[which] == k]
    frac = (r - lower)[:, None, None]
    return below + frac * (above - below)


def _round_step(x: np.ndarray, extreme: np.ufunc, step: int) -> np.ndarray:
    """One step of a round window on (B, H, W): the max (or min) over the 3×3 plus, and on odd
    steps over the whole 3×3 square. Outside the image is background (0)."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = extreme.reduce([x, p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])
    if step % 2:
        out = extreme.reduce([out, p[:, :-2, :-2], p[:, :-2, 2:], p[:, 2:, :-2], p[:, 2:, 2:]])
    return out


def blur(x: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """Images (B, 28, 28), each blurred by a separable Gaussian of its own σ (B,) in px.

    The kernel keeps the ink's total (outside the image is background); σ 0 leaves an image as it is.
    """
    offsets = np.arange(SIDE, dtype=np.float32)
    offsets = offsets[:, None] - offsets[None, :]  # (28, 28): i − j
    s = np.maximum(np.asarray(sigmas, dtype=np.float32), 1e-3)[:, None, None]  # (B, 1, 1)
    g = np.exp(-0.5 * (offsets / s) ** 2)  # (B, 28, 28)
    full = np.exp(-0.5 * (np.arange(-SIDE + 1, SIDE, dtype=np.float32) / s) ** 2).sum(axis=2, keepdims=True)
    g /= full  # each row sums to one away from the edges
    return g @ x @ g.transpose(0, 2, 1)


def recentre(x: np.ndarray) -> np.ndarray:
    """Images (B, 28, 28) shifted by whole pixels as the page's preprocessing places a digit.

    The centre of mass goes to the field's centre, the ink's bounding box staying inside the
    field (:func:`pycore.preprocess.centred_start`). An image without ink is left as it is.
    """
    n = len(x)
    ink = x > INK
    shifts = []
    cy, cx = preprocess.centres_of_mass(x)  # (B,), (B,)
    for com, axis in ((cy, 2), (cx, 1)):
        present = ink.any(axis=axis)  # (B, 28): rows (or columns) with ink
        first = np.argmax(present, axis=1)
        last = SIDE - 1 - np.argmax(present[:, ::-1], axis=1)
        has_ink = present.any(axis=1)
        start = preprocess.centred_start(com - first, last - first + 1)
        shifts.append(np.where(has_ink & np.isfinite(start), start - first, 0).astype(np.intp))
    dy, dx = shifts
    rows = np.arange(SIDE)[None, :] - dy[:, None]  # (B, 28): the input row of each output row
    cols = np.arange(SIDE)[None, :] - dx[:, None]
    inside = ((rows >= 0) & (rows < SIDE))[:, :, None] & ((cols >= 0) & (cols < SIDE))[:, None, :]
    picked = x[
        np.arange(n)[:, None, None],
        np.clip(rows, 0, SIDE - 1)[:, :, None],
        np.clip(cols, 0, SIDE - 1)[:, None, :],
    ]  # (B, 28, 28)
    return np.where(inside, picked, 0).astype(x.dtype, copy=False)
