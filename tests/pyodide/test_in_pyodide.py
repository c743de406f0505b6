"""pycore's unit tests, run inside Pyodide (Python 3.12, NumPy 2.0.2) under Node, from the built site."""

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PYTEST_WHEELS = ("pytest==8.1.1", "pluggy==1.5.0", "iniconfig==2.0.0", "packaging==24.2")


def pytest_wheels() -> Path:
    """Pure-Python wheels of pytest for Pyodide, fetched once from PyPI into build/cache."""
    folder = ROOT / "build" / "cache" / "pyodide-test-wheels"
    if len(list(folder.glob("*.whl"))) < len(PYTEST_WHEELS):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-d", str(folder), *PYTEST_WHEELS],
            check=True,
        )  # fmt: skip
    return folder


def test_unit_tests_pass_inside_pyodide(site):
    result = subprocess.run(
        ["node", str(ROOT / "tests/pyodide/run_pytest.mjs"), str(site), str(ROOT), str(pytest_wheels()),
         "-q", "tests/unit"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = result.stdout + result.stderr
    print(output[-5000:])
    assert "numpy 2.0.2" in output and "3.12" in output
    summary = re.search(r"(\d+) passed", output)
    assert result.returncode == 0, output[-3000:]
    assert summary and int(summary.group(1)) >= 100
    assert " failed" not in output and " skipped" not in output
