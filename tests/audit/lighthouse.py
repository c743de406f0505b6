"""The audit: `make audit` (or `python tests/audit/lighthouse.py`).

Runs Lighthouse (tests/audit/package.json, pinned, never part of the site) under Node on the built
site served on localhost, with Lighthouse's default mobile settings and the Chromium that the tests
use (tests/browser.py), prints the four category scores and writes the report to
``test-results/lighthouse.report.{html,json}``. Exits 1 when Lighthouse fails, or when accessibility,
best practices or SEO is below 100; the performance score depends on the machine's load (the
mobile preset simulates a slow phone from timings measured here), so it is printed, not gated.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: make the tests package importable
from tests.browser import CHROMIUM_FLAGS, find_chromium, missing_message  # noqa: E402

HERE = Path(__file__).resolve().parent
SITE = ROOT / "_site"
OUT = ROOT / "test-results" / "lighthouse"  # Lighthouse adds .report.html and .report.json
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GATED = ("accessibility", "best-practices", "seo")
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_lighthouse(url: str, chrome: Path) -> dict:
    """Lighthouse's result (lhr) for ``url``; the reports are written next to OUT."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--no-enable-error-reporting",
        "--form-factor=mobile",
        "--output=json",
        "--output=html",
        f"--output-path={OUT}",
        "--chrome-flags=" + " ".join(["--headless=new", *CHROMIUM_FLAGS]),
    ]
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": str(chrome)}, timeout=600)
    return json.loads(OUT.with_suffix(".report.json").read_text())


def main() -> int:
    if not LIGHTHOUSE.is_file():
        print(f"Lighthouse is missing at {LIGHTHOUSE}: run `make audit` (it runs npm ci in tests/audit).")
        return 1
    if not (SITE / "index.html").is_file():
        print(f"{SITE} is not built: run `make build` first (`make audit` does it for you).")
        return 1
    chrome = find_chromium()
    if chrome is None:
        print(missing_message())
        return 1
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    server, url = load_module("site_server", ROOT / "build" / "serve.py").serve_in_thread(SITE)
    try:
        print(f"==> Lighthouse on {url} (Node {node}, {chrome})", flush=True)
        lhr = run_lighthouse(url, chrome)
    finally:
        server.shutdown()
    settings = lhr["configSettings"]
    print(f"Lighthouse {lhr['lighthouseVersion']}, {settings['formFactor']}, throttling {settings['throttlingMethod']}")
    scores = {name: round(100 * lhr["categories"][name]["score"]) for name in CATEGORIES}
    for name, score in scores.items():
        print(f"  {lhr['categories'][name]['title']:<15} {score:>3}")
    print("  " + ", ".join(f"{lhr['audits'][m]['title']} {lhr['audits'][m]['displayValue']}" for m in METRICS))
    for name in GATED:
        for ref in lhr["categories"][name]["auditRefs"]:
            audit = lhr["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] not in (1, None):
                print(f"  below 100 in {name}: {audit['title']}")
    print(f"report: {OUT.with_suffix('.report.html').relative_to(ROOT)}")
    return 1 if any(scores[name] < 100 for name in GATED) else 0


if __name__ == "__main__":
    sys.exit(main())
