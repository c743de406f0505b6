"""Drawing digits with the mouse, as a person would, on the page's canvas."""

from __future__ import annotations

import itertools
import math

from playwright.sync_api import Page

Stroke = list[tuple[float, float]]  # points in unit coordinates (0..1) of a digit's box


def zero() -> list[Stroke]:
    return [[(0.5 + 0.38 * math.sin(a), 0.5 - 0.48 * math.cos(a)) for a in [i * 2 * math.pi / 40 for i in range(42)]]]


def one() -> list[Stroke]:
    return [[(0.55, 0.0), (0.5, 0.5), (0.45, 1.0)]]


def two() -> list[Stroke]:
    arc = [(0.5 - 0.4 * math.cos(a), 0.3 - 0.3 * math.sin(a)) for a in [i * math.pi / 16 for i in range(0, 22)]]
    return [[*arc, (0.05, 1.0), (0.95, 1.0)]]


def arc(cx, cy, rx, ry, start, end, n=16):
    """Points on an ellipse from angle ``start`` to ``end`` (radians, 0 = right, clockwise on screen)."""
    return [(cx + rx * math.cos(start + (end - start) * i / n), cy + ry * math.sin(start + (end - start) * i / n))
            for i in range(n + 1)]  # fmt: skip


def three() -> list[Stroke]:
    return [
        arc(0.45, 0.27, 0.35, 0.25, -math.pi * 0.9, math.pi * 0.5)
        + arc(0.45, 0.74, 0.4, 0.25, -math.pi * 0.5, math.pi * 0.9)
    ]


def four() -> list[Stroke]:
    return [[(0.6, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.7, 0.25), (0.7, 1.0)]]


def five() -> list[Stroke]:
    return [[(0.9, 0.0), (0.25, 0.0), (0.2, 0.42), *arc(0.5, 0.68, 0.38, 0.3, -math.pi * 0.75, math.pi * 0.8)]]


def six() -> list[Stroke]:
    return [[(0.75, 0.0), (0.4, 0.3), *arc(0.5, 0.7, 0.35, 0.3, math.pi, 3 * math.pi)]]


def seven() -> list[Stroke]:
    return [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]]


def eight() -> list[Stroke]:
    return [
        [(0.5 + 0.3 * math.sin(2 * t), 0.5 - 0.48 * math.cos(t)) for t in [i * 2 * math.pi / 48 for i in range(49)]]
    ]


def nine() -> list[Stroke]:
    return [[*arc(0.5, 0.28, 0.35, 0.28, 0, 2 * math.pi), (0.85, 0.28), (0.8, 1.0)]]


DIGITS = {0: zero, 1: one, 2: two}
ALL_DIGITS = {**DIGITS, 3: three, 4: four, 5: five, 6: six, 7: seven, 8: eight, 9: nine}


def draw(page: Page, strokes: list[Stroke], box: tuple[float, float, float, float]) -> None:
    """Draw ``strokes`` into ``box`` = (left, top, width, height), as fractions of the canvas."""
    canvas = page.get_by_test_id("draw-canvas")
    canvas.scroll_into_view_if_needed()
    c = canvas.bounding_box()
    left, top, width, height = box

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return c["x"] + c["width"] * (left + width * p[0]), c["y"] + c["height"] * (top + height * p[1])

    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for a, b in itertools.pairwise(stroke):
            for k in range(1, 5):  # interpolate, like a real pointer's many move events
                t = k / 4
                page.mouse.move(*at((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)))
        page.mouse.up()


PLACES = {
    "centred": (0.3, 0.15, 0.4, 0.7),
    "small": (0.42, 0.4, 0.14, 0.22),
    "off-centre": (0.05, 0.05, 0.3, 0.45),
}
