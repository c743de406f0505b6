"""A drawn set: digits as people draw them and MNIST rarely shows them, rendered from stroke templates.

Each template is a list of strokes in a unit box (x right, y down), as in ``tests/e2e/drawing.py``:
ones with a flag and a base, crossed sevens, open and closed fours, nines with a straight stem, 2s
with a loop, and so on. Every template is drawn on the page's 280×280 canvas with a round pen of
three widths (the page's own ``PEN_WIDTH``, read from web/canvas.js; a thin 10 px; a thick 32 px),
at three sizes (large, medium, small: a small drawing with the same pen comes out bold), with a
small random slant and wobble (seeded), then put through the page's preprocessing
(``pycore.preprocess.to_mnist``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def canvas_constant(name: str) -> int:
    """A number the page's drawing pad declares (``const NAME = 123;`` in web/canvas.js): the
    drawn set draws with whatever the page draws with."""
    source = (ROOT / "web" / "canvas.js").read_text()
    match = re.search(rf"^const {name} = (\d+);", source, re.MULTILINE)
    if match is None:
        raise ValueError(f"web/canvas.js declares no `const {name} = <number>;`")
    return int(match.group(1))


CANVAS = canvas_constant("SIZE")  # the page's canvas, px
PENS = {"page pen": canvas_constant("PEN_WIDTH"), "thin pen": 10, "thick pen": 32}  # widths at CANVAS px
SIZES = {"large": 0.8, "medium": 0.5, "small": 0.18}  # the digit's height as a fraction of the canvas
SAMPLES = 2  # random slants and wobbles of each template, pen and size
Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 20) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``end`` (radians, 0 = right, clockwise on screen)."""
    return [
        (cx + rx * math.cos(start + (end - start) * i / n), cy + ry * math.sin(start + (end - start) * i / n))
        for i in range(n + 1)
    ]


PI = math.pi
TEMPLATES: dict[str, tuple[int, list[Stroke]]] = {
    "0 oval": (0, [arc(0.5, 0.5, 0.4, 0.5, -PI / 2, 1.55 * PI, 40)]),
    "0 slanted": (
        0,
        [
            [
                (0.5 + 0.35 * math.cos(a) + 0.15 * math.sin(a), 0.5 + 0.5 * math.sin(a))
                for a in np.linspace(-PI / 2, 1.55 * PI, 40)
            ]
        ],
    ),
    "1 stroke": (1, [[(0.5, 0.0), (0.5, 1.0)]]),
    "1 flag": (1, [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)]]),
    "1 flag and base": (1, [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)], [(0.15, 1.0), (0.95, 1.0)]]),
    "2 plain": (2, [[*arc(0.5, 0.3, 0.4, 0.3, PI, 2.25 * PI), (0.05, 1.0), (0.95, 1.0)]]),
    "2 loop": (
        2,
        [
            [
                *arc(0.5, 0.3, 0.4, 0.3, PI, 2.25 * PI),
                (0.2, 0.85),
                *arc(0.25, 0.88, 0.12, 0.1, -PI / 2, 1.5 * PI, 12),
                (0.95, 0.95),
            ]
        ],
    ),
    "3 round": (
        3,
        [arc(0.45, 0.27, 0.35, 0.25, -PI * 0.9, PI * 0.5) + arc(0.45, 0.74, 0.4, 0.25, -PI * 0.5, PI * 0.9)],
    ),
    "3 flat top": (3, [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.4), *arc(0.45, 0.7, 0.42, 0.3, -PI * 0.5, PI * 0.85)]]),
    "4 open": (4, [[(0.6, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.72, 0.25), (0.72, 1.0)]]),
    "4 open, two strokes": (4, [[(0.2, 0.0), (0.1, 0.6), (0.95, 0.6)], [(0.75, 0.0), (0.75, 1.0)]]),
    "4 closed": (4, [[(0.72, 1.0), (0.72, 0.0), (0.05, 0.65), (0.95, 0.65)]]),
    "5 plain": (5, [[(0.9, 0.0), (0.25, 0.0), (0.2, 0.42), *arc(0.5, 0.68, 0.38, 0.3, -PI * 0.75, PI * 0.8)]]),
    "5 two strokes": (
        5,
        [[(0.25, 0.0), (0.2, 0.42), *arc(0.5, 0.68, 0.38, 0.3, -PI * 0.75, PI * 0.8)], [(0.25, 0.0), (0.9, 0.0)]],
    ),
    "6 plain": (6, [[(0.75, 0.0), (0.4, 0.3), *arc(0.5, 0.7, 0.35, 0.3, PI, 3 * PI)]]),
    "7 plain": (7, [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]]),
    "7 crossed": (7, [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.35, 0.5), (0.9, 0.5)]]),
    "7 with a serif": (7, [[(0.05, 0.2), (0.05, 0.0), (0.95, 0.0), (0.45, 1.0)]]),
    "8 figure": (8, [[(0.5 + 0.3 * math.sin(2 * t), 0.5 - 0.48 * math.cos(t)) for t in np.linspace(0, 2 * PI, 49)]]),
    "8 two loops": (8, [arc(0.5, 0.25, 0.28, 0.25, PI / 2, 2.5 * PI), arc(0.5, 0.74, 0.36, 0.26, -PI / 2, 1.5 * PI)]),
    "9 straight stem": (9, [[*arc(0.5, 0.28, 0.35, 0.28, 0, 2 * PI), (0.85, 0.28), (0.85, 1.0)]]),
    "9 curved stem": (9, [[*arc(0.5, 0.28, 0.35, 0.28, 0, 2 * PI), *arc(0.45, 0.4, 0.4, 0.6, 0, 0.6 * PI, 10)]]),
}


def render(strokes: list[Stroke], pen: int, height: float, rng: np.random.Generator) -> np.ndarray:
    """The strokes drawn black on white on the page's canvas: (280, 280) uint8."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (CANVAS, CANVAS), 255)
    draw = ImageDraw.Draw(image)
    box_h = height * CANVAS
    box_w = 0.6 * box_h
    left = (CANVAS - box_w) / 2 + rng.uniform(-0.1, 0.1) * (CANVAS - box_w)
    top = (CANVAS - box_h) / 2 + rng.uniform(-0.1, 0.1) * (CANVAS - box_h)
    slant = rng.uniform(-0.15, 0.15)  # x shifts with height, as handwriting leans
    for stroke in strokes:
        points = [
            (left + box_w * (x + slant * (0.5 - y) + rng.normal(0, 0.01)), top + box_h * (y + rng.normal(0, 0.01)))
            for x, y in stroke
        ]
        draw.line(points, fill=0, width=pen)
        r = pen / 2
        for x, y in points:  # round joins and caps, as the canvas's lineJoin and lineCap "round"
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return np.asarray(image)


def drawn_set(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Images (N, 784) uint8 as the page feeds the network, labels (N,), and what each one is."""
    from pycore import preprocess

    rng = np.random.default_rng(seed)
    images, labels, info = [], [], []
    for name, (digit, strokes) in TEMPLATES.items():
        for pen_name, pen in PENS.items():
            for size_name, height in SIZES.items():
                for _ in range(SAMPLES):
                    page = preprocess.to_mnist(render(strokes, pen, height, rng))
                    images.append(np.rint(page.reshape(-1) * 255).astype(np.uint8))
                    labels.append(digit)
                    info.append({"template": name, "pen": pen_name, "size": size_name})
    return np.stack(images), np.array(labels), info


def accuracy_by(key: str, correct: np.ndarray, info: list[dict]) -> dict[str, float]:
    """The fraction right for each value of ``key`` (template, pen or size; or "size, pen": both)."""
    groups: dict[str, list[bool]] = {}
    for ok, item in zip(correct, info, strict=True):
        groups.setdefault(", ".join(item[k] for k in key.split(", ")), []).append(bool(ok))
    return {name: float(np.mean(oks)) for name, oks in groups.items()}
