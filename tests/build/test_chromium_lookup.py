"""Which Chromium the tests use (tests/browser.py, asked by build/ensure-chromium.sh), on faked machines.

A machine is faked with two environment variables: DIGITS_SYSTEM_CHROMIUM moves the system path
(/usr/bin/chromium) somewhere that may or may not hold a browser, and PLAYWRIGHT_BROWSERS_PATH points
Playwright at a folder that may or may not hold its own browser. The script runs as an unprivileged
user (``nobody`` through setpriv when the tests run as root), as on a developer's machine or CI runner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOBODY = 65534
FAKE_BROWSER = "#!/bin/sh\nexit 0\n"
# Records any call, so a test can prove that apt-get was (or was not) used.
FAKE_APT_GET = """#!/bin/sh
echo "$*" >> "$APT_LOG"
case "$*" in
  *install*) printf '#!/bin/sh\\nexit 0\\n' > "$DIGITS_SYSTEM_CHROMIUM" && chmod 755 "$DIGITS_SYSTEM_CHROMIUM";;
esac
"""


@dataclass
class Machine:
    """A folder every user can read: a copy of the two files under test, fake browsers, a fake apt-get."""

    root: Path  # holds build/ensure-chromium.sh and tests/browser.py, as the repository does
    system: Path  # where the "system" Chromium is looked for
    browsers: Path  # PLAYWRIGHT_BROWSERS_PATH
    apt_log: Path

    def env(self, python_path: str = "") -> dict[str, str]:
        env = {
            **os.environ,
            "DIGITS_SYSTEM_CHROMIUM": str(self.system),
            "PLAYWRIGHT_BROWSERS_PATH": str(self.browsers),
            "APT_LOG": str(self.apt_log),
            "PATH": f"{self.root / 'fakebin'}{os.pathsep}{os.environ['PATH']}",
        }
        if python_path:
            env["PYTHONPATH"] = python_path
        return env


def make_executable(path: Path, text: str = FAKE_BROWSER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def machine() -> Iterator[Machine]:
    # Not pytest's tmp_path: it is private to the user running the tests, and nobody must read this.
    root = Path(tempfile.mkdtemp(prefix="digits-chromium-"))
    try:
        for name in ("build/ensure-chromium.sh", "tests/browser.py"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, root / name)
        make_executable(root / "fakebin" / "apt-get", FAKE_APT_GET)
        m = Machine(
            root=root, system=root / "system" / "chromium", browsers=root / "ms-playwright", apt_log=root / "apt.log"
        )
        m.system.parent.mkdir()
        m.browsers.mkdir()
        m.apt_log.touch()
        m.apt_log.chmod(0o666)
        root.chmod(0o755)  # mkdtemp's folder is private; what is inside follows the umask
        m.system.parent.chmod(0o777)  # the fake apt-get (run as root only) writes there
        yield m
    finally:
        shutil.rmtree(root)


def run(cmd: list[str], env: dict[str, str], user: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(user or []), *cmd], env=env, capture_output=True, text=True, timeout=120)


def lookup(machine: Machine) -> subprocess.CompletedProcess:
    """``python tests/browser.py`` on the faked machine, as the current user."""
    return run([sys.executable, str(machine.root / "tests" / "browser.py")], machine.env())


@pytest.fixture(scope="module")
def own_relative(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where Playwright expects its own Chromium, relative to PLAYWRIGHT_BROWSERS_PATH (asked once: it is slow)."""
    browsers = tmp_path_factory.mktemp("ms-playwright")
    code = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p: print(p.chromium.executable_path)"
    )
    out = run([sys.executable, "-c", code], {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(browsers)})
    assert out.returncode == 0, out.stderr
    return Path(out.stdout.strip()).relative_to(browsers)


@dataclass
class User:
    """How to run a command as an unprivileged user: a command prefix and the Python that user can run."""

    prefix: list[str]
    python: str
    python_path: str  # PYTHONPATH that makes Playwright importable for that Python


@pytest.fixture
def unprivileged(machine: Machine) -> User:
    if os.getuid() != 0:
        return User([], sys.executable, "")
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): cannot switch to an unprivileged user")
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    # The venv's interpreter may live where nobody cannot go (pyenv under /root); the system
    # Python of the same version can use the venv's packages.
    site_packages = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python, python_path in ((sys.executable, ""), (f"/usr/bin/{version}", site_packages)):
        # Through bash, as the script runs it (setpriv's own exec of a path under /root can succeed).
        probe = run(
            ["bash", "-c", 'exec "$0" -c "import playwright.sync_api"', python], machine.env(python_path), prefix
        )
        if probe.returncode == 0:
            return User(prefix, python, python_path)
    pytest.skip(f"no Python with Playwright that user {NOBODY} can run (tried {sys.executable}, /usr/bin/{version})")


def ensure(machine: Machine, user: User, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**machine.env(user.python_path), "HOME": str(machine.root), **(extra_env or {})}
    return run(["bash", str(machine.root / "build" / "ensure-chromium.sh"), user.python], env, user.prefix)


def test_the_system_chromium_comes_first(machine, own_relative):
    system = make_executable(machine.system)
    make_executable(machine.browsers / own_relative)
    out = lookup(machine)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(system)


def test_a_system_path_that_is_not_an_executable_file_does_not_count(machine):
    machine.system.write_text("not a program")  # not executable
    out = lookup(machine)
    assert out.returncode == 1
    assert f"neither {machine.system} nor Playwright's own browser" in out.stderr


def test_without_a_system_chromium_playwrights_own_browser_is_used(machine, own_relative):
    own = make_executable(machine.browsers / own_relative)
    out = lookup(machine)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(own)


def test_ensure_chromium_as_a_user_accepts_playwrights_browser(machine, own_relative, unprivileged):
    own = make_executable(machine.browsers / own_relative)
    out = ensure(machine, unprivileged)
    assert out.returncode == 0, out.stderr
    assert f"Chromium for the end-to-end tests: {own}" in out.stdout
    assert machine.apt_log.read_text() == ""


def test_ensure_chromium_as_a_user_without_any_browser_says_what_to_install(machine, unprivileged):
    out = ensure(machine, unprivileged)
    assert out.returncode == 1
    assert "No Chromium found" in out.stderr
    assert "python -m playwright install --with-deps chromium" in out.stderr
    assert machine.apt_log.read_text() == ""  # a user cannot apt-get install: it was not tried


@pytest.mark.skipif(os.getuid() != 0, reason="installing with apt-get is for root only")
def test_ensure_chromium_as_root_on_debian_installs_debians_chromium(machine):
    distro = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    if "\nID=debian" not in "\n" + distro:
        pytest.skip("not Debian: its chromium package is only installed on Debian")
    user = User([], sys.executable, "")
    out = ensure(machine, user)
    assert out.returncode == 0, out.stderr
    assert machine.apt_log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert f"Chromium for the end-to-end tests: {machine.system}" in out.stdout


def test_the_fixture_launches_playwrights_browser_as_a_user(machine, own_relative, unprivileged):
    """A real launch through tests/browser.py's launch_chromium, with only "Playwright's own" browser there."""
    real = subprocess.run([sys.executable, str(ROOT / "tests" / "browser.py")], capture_output=True, text=True)
    assert real.returncode == 0, real.stderr
    own = machine.browsers / own_relative
    own.parent.mkdir(parents=True)
    own.symlink_to(real.stdout.strip())
    code = (
        "from playwright.sync_api import sync_playwright\n"
        "from browser import find_chromium, launch_chromium\n"
        "with sync_playwright() as p:\n"
        "    print(find_chromium(p))\n"
        "    browser = launch_chromium(p)\n"
        "    page = browser.new_page()\n"
        "    page.set_content('<p>drawn by a user</p>')\n"
        "    print(page.text_content('p'))\n"
        "    browser.close()\n"
    )
    python_path = os.pathsep.join(p for p in (unprivileged.python_path, str(machine.root / "tests")) if p)
    env = {**machine.env(python_path), "HOME": str(machine.root)}
    out = run([unprivileged.python, "-c", code], env, unprivileged.prefix)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(own), "drawn by a user"]
