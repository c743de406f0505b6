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


DIGITS = {0: zero, 1: one, 2: two}


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
