"""axe-core in the page under test: accessibility violations, as readable lines.

axe-core is a test-only npm package (tests/audit/package.json, installed by `make test`); it is never
part of the site. The site's CSP (script-src 'self') forbids inline scripts, so axe is not added as a
<script>: Playwright evaluates its source through the DevTools protocol, which the page's CSP does not
govern. The page's own scripts stay under the CSP, and the e2e suite's "no CSP violation" checks hold.
"""

from __future__ import annotations

import functools

import pytest
from playwright.sync_api import Page

from tests.conftest import ROOT

AXE_JS = ROOT / "tests" / "audit" / "node_modules" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10.3"  # as pinned in tests/audit/package.json

RUN_AXE = """async () => {
  const results = await window.axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\\s+/g, " ")}`),
  }));
}"""


@functools.cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make test` (it runs npm ci in tests/audit)")
    return AXE_JS.read_text()


def axe_violations(page: Page) -> list[str]:
    """Every axe-core violation on the page as it is now, one line per element ([] when there is none)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())  # a plain expression evaluated over CDP: not subject to the page's CSP
        assert page.evaluate("() => window.axe.version") == AXE_VERSION
    return [f"{v['id']} ({v['impact']}): {v['help']} — {node}" for v in page.evaluate(RUN_AXE) for node in v["nodes"]]
