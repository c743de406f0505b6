"""End-to-end fixtures: the built site served on a free localhost port, driven by a real Chromium."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Route,
    expect,
    sync_playwright,
)

from tests.browser import launch_chromium
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-results" / "screenshots"
READY_TIMEOUT_MS = 90_000

_spec = importlib.util.spec_from_file_location("site_server", ROOT / "build" / "serve.py")
site_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    server, url = site_server.serve_in_thread(site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def subpath_url(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the site in another folder, served under a sub-path as GitHub Pages does."""
    copy = tmp_path_factory.mktemp("elsewhere") / "copied-site"
    shutil.copytree(site, copy)
    server, url = site_server.serve_in_thread(copy, prefix="/digits-from-scratch/")
    yield url
    server.shutdown()


@dataclass
class Watch:
    """What a page did that tests assert on: foreign requests, CSP violations, errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("blob:", "data:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_violations.append(text)
        elif message.type == "error":
            self.errors.append(text)

    def assert_clean(self) -> None:
        assert self.foreign == [], f"requests outside the site's origin: {self.foreign}"
        assert self.csp_violations == [], f"CSP violations: {self.csp_violations}"
        assert self.errors == [], f"console errors: {self.errors}"


def open_app(
    browser: Browser, url: str, on_context: Callable[[BrowserContext], None] | None = None, **context_args
) -> tuple[Page, Watch]:
    """A new browser context and page at ``url``; ``on_context(context)``, if given, is called first
    (to listen from the first request on)."""
    origin = url.split("/", 3)
    watch = Watch(origin="/".join(origin[:3]) + "/")
    context_args.setdefault("viewport", {"width": 1200, "height": 1000})
    # Requests a service worker answers bypass Playwright's routing, so most tests keep it off;
    # tests/e2e/test_offline.py turns it on.
    context_args.setdefault("service_workers", "block")
    context = browser.new_context(accept_downloads=True, **context_args)
    context.route("**/*", watch.route)
    context.on("request", watch.on_request)
    if on_context:
        on_context(context)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
    page.goto(url)
    return page, watch


def wait_ready(page: Page) -> None:
    expect(page.get_by_test_id("status")).to_contain_text("ready", timeout=READY_TIMEOUT_MS)


@pytest.fixture
def app(browser: Browser, base_url: str) -> Iterator[tuple[Page, Watch]]:
    """A fresh page (fresh storage) with Python ready."""
    page, watch = open_app(browser, base_url)
    wait_ready(page)
    yield page, watch
    page.context.close()


def predictions_settled(page: Page) -> None:
    """Wait until the page has answered the drawing as it is now (no prediction in flight or due)."""
    page.wait_for_function("() => !window.digitsApp.prediction.predicting && !window.digitsApp.prediction.again")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def card_screenshot(page: Page, title_id: str, name: str) -> None:
    """A screenshot of the card headed by ``#title_id`` only (the README shows these)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(f"section:has(#{title_id})").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


SETTING_FIELDS = ("samples", "batch-size", "optimizer", "lr-schedule", "loss", "label-smoothing", "init", "dtype")


def shown_settings(page: Page) -> dict:
    """The training form's values, keyed by data-testid (``shuffle`` as a bool)."""
    values = {name: page.get_by_test_id(name).input_value() for name in SETTING_FIELDS}
    values["shuffle"] = page.get_by_test_id("shuffle").is_checked()
    return values
