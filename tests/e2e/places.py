"""Where the page's controls are, to check that nothing moves under the visitor's pointer. Used by
the accessibility tests and the offline tests (a new deploy's offer)."""

from __future__ import annotations

from playwright.sync_api import Page

# Every visible control's place (page coordinates and size), by its data-testid.
CONTROL_PLACES = """() => Object.fromEntries(
  [...document.querySelectorAll("[data-testid]")]
    .filter((el) => el.matches("button, input, select, canvas, a, [role=button]") && el.getClientRects().length)
    .map((el) => {
      const r = el.getBoundingClientRect();
      return [el.dataset.testid, [r.left + scrollX, r.top + scrollY, r.width, r.height]];
    }))"""


def control_places(page: Page) -> dict:
    """``CONTROL_PLACES`` in ``page`` now."""
    return page.evaluate(CONTROL_PLACES)


def moved(before: dict, after: dict) -> dict:
    """The controls whose place differs between two ``control_places`` (appeared or gone: None)."""
    return {
        name: (before.get(name), after.get(name))
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }
