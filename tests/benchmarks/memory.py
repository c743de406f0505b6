"""Memory of the page in the 0–9 mode: `python tests/benchmarks/run.py --only memory`.

In a Chromium of its own, the page boots, switches to the 0–9 mode (all of MNIST) and trains
with the mode's defaults twice, then once more in float64. Throughout, it samples the resident
memory of the renderer process that hosts the page and its worker (VmRSS in /proc; VmHWM, the
kernel's high-water mark, reset at the start of each run, gives the true peak between samples)
and the size of the worker's WebAssembly memory (Python's heap: it grows, never shrinks).
Linux only: it reads /proc.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

MB = 1e6
SAMPLE_EVERY_MS = 100
SETTLE_S = 3.0  # after a run: let the page and the worker finish their work before the "settled" figure
# The targets (issue #10): the process that hosts the page and its worker stays under PEAK_TARGET_MB
# during a default 0–9 run, and a second run adds at most SECOND_RUN_TARGET_MB.
PEAK_TARGET_MB = 700
SECOND_RUN_TARGET_MB = 50
WORKER_THREAD = "DedicatedWorker"  # the name Chromium gives a dedicated worker's thread (/proc/*/task/*/comm)


def status_kb(pid: int) -> dict[str, int]:
    """The ``Vm*``/``Rss*`` lines of /proc/<pid>/status, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if rest.strip().endswith(" kB"):
            values[key] = int(rest.split()[0])
    return values


def thread_names(pid: int) -> set[str]:
    names = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            names.add((task / "comm").read_text().strip())
    return names


def renderer_pid(browser) -> int:
    """The renderer process that runs a dedicated worker: Chromium's process list (CDP
    ``SystemInfo.getProcessInfo``) holds every renderer, and only the page's runs a worker."""
    cdp = browser.new_browser_cdp_session()
    try:
        processes = cdp.send("SystemInfo.getProcessInfo")["processInfo"]
    finally:
        cdp.detach()
    renderers = [p["id"] for p in processes if p["type"] == "renderer"]
    hosts = [pid for pid in renderers if WORKER_THREAD in thread_names(pid)]
    if len(hosts) != 1:
        raise RuntimeError(f"expected one renderer with a {WORKER_THREAD} thread among {renderers}, found {hosts}")
    return hosts[0]


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Probe:
    """Samples the renderer's RSS and the worker's WebAssembly memory while waiting for the page."""

    def __init__(self, page, pid: int) -> None:
        self.page = page
        self.pid = pid
        self.samples: list[tuple[float, str, float]] = []  # (seconds, phase, RSS in MB)
        self.started = time.perf_counter()

    def rss_mb(self) -> float:
        return status_kb(self.pid)["VmRSS"] * 1e3 / MB

    def hwm_mb(self) -> float:
        return status_kb(self.pid)["VmHWM"] * 1e3 / MB

    def wasm_mb(self) -> float:
        """The worker's WebAssembly memory (PROTOCOL.md: the ``memory`` request)."""
        return self.page.evaluate("window.digitsApp.worker.request('memory')")["wasm_heap_bytes"] / MB

    def sample(self, phase: str) -> float:
        rss = self.rss_mb()
        self.samples.append((time.perf_counter() - self.started, phase, rss))
        return rss

    def wait(self, phase: str, done_js: str, timeout_s: float) -> float:
        """Sample every SAMPLE_EVERY_MS until ``done_js`` is true in the page; the largest RSS seen."""
        deadline = time.time() + timeout_s
        peak = self.sample(phase)
        while not self.page.evaluate(done_js):
            if time.time() > deadline:
                raise TimeoutError(f"{phase}: still waiting after {timeout_s:.0f} s")
            self.page.wait_for_timeout(SAMPLE_EVERY_MS)
            peak = max(peak, self.sample(phase))
        return peak

    def settle(self, phase: str) -> float:
        """RSS after SETTLE_S of sampling (the last sample)."""
        end = time.time() + SETTLE_S
        rss = self.sample(phase)
        while time.time() < end:
            self.page.wait_for_timeout(SAMPLE_EVERY_MS)
            rss = self.sample(phase)
        return rss


def train(probe: Probe, phase: str) -> dict:
    """Click Train, sample until the run's accuracy is in, then let memory settle."""
    page, pid = probe.page, probe.pid
    page.evaluate("window.digitsApp.trainingPanel.lastRun = null")
    exact_peak = reset_peak(pid)
    started = time.perf_counter()
    page.get_by_test_id("train").click()
    sampled_peak = probe.wait(phase, "window.digitsApp.lastRun !== null", timeout_s=1800)
    seconds = time.perf_counter() - started
    run = page.evaluate("window.digitsApp.lastRun")
    peak = max(sampled_peak, probe.hwm_mb()) if exact_peak else sampled_peak
    settled = probe.settle(f"{phase} settling")
    return {
        "dtype": run["settings"].get("dtype"),
        "state": run["state"],
        "steps": run["steps"],
        "accuracy": run["accuracy"],
        "seconds": seconds,
        "peak_rss_mb": peak,
        "peak_is_exact": exact_peak,  # VmHWM (exact) or the largest sample
        "settled_rss_mb": settled,
        "wasm_heap_mb": probe.wasm_mb(),
    }


def measure(playwright, base: str, launch) -> dict:
    """The memory figures of the 0–9 mode (see the module docstring); ``launch(playwright)`` starts Chromium."""
    browser = launch(playwright)
    try:
        page = browser.new_page()
        page.goto(base)
        page.get_by_test_id("status").filter(has_text="ready").wait_for(timeout=120_000)
        probe = Probe(page, renderer_pid(browser))
        report: dict = {"pid_threads": sorted(thread_names(probe.pid))}
        report["ready_rss_mb"] = probe.settle("ready")
        report["ready_wasm_heap_mb"] = probe.wasm_mb()
        page.get_by_test_id("mode").select_option("0-9")
        probe.wait("loading 0-9", "/all ten digits/.test(document.querySelector('#status').textContent)", timeout_s=300)
        report["loaded_rss_mb"] = probe.settle("0-9 loaded")
        report["loaded_wasm_heap_mb"] = probe.wasm_mb()
        report["first_run"] = train(probe, "first run")
        report["second_run"] = train(probe, "second run")
        page.get_by_test_id("dtype").select_option("float64")
        report["float64_run"] = train(probe, "float64 run")
        first, second = report["first_run"], report["second_run"]
        report["second_run_adds_mb"] = second["settled_rss_mb"] - first["settled_rss_mb"]
        report["second_run_peak_adds_mb"] = second["peak_rss_mb"] - first["peak_rss_mb"]
        report["targets"] = {
            "peak_mb": PEAK_TARGET_MB,
            "second_run_adds_mb": SECOND_RUN_TARGET_MB,
            "peak_ok": first["peak_rss_mb"] <= PEAK_TARGET_MB and second["peak_rss_mb"] <= PEAK_TARGET_MB,
            "second_run_ok": report["second_run_adds_mb"] <= SECOND_RUN_TARGET_MB,
            "float64_peak_ok": report["float64_run"]["peak_rss_mb"] <= PEAK_TARGET_MB,
        }
        report["samples"] = [{"s": round(t, 2), "phase": ph, "rss_mb": round(r, 1)} for t, ph, r in probe.samples]
        page.close()
    finally:
        browser.close()
    return report


def print_memory(mem: dict) -> None:
    """The memory lines of the benchmark's table."""
    t = mem["targets"]
    print(
        f"\nMemory, 0–9 mode (the renderer process that hosts the page and its worker; RSS; "
        f"targets: peak ≤ {t['peak_mb']} MB, a second run adds ≤ {t['second_run_adds_mb']} MB)"
    )
    print(
        f"  ready: {mem['ready_rss_mb']:.0f} MB (wasm heap {mem['ready_wasm_heap_mb']:.0f} MB); all of MNIST "
        f"loaded: {mem['loaded_rss_mb']:.0f} MB (wasm heap {mem['loaded_wasm_heap_mb']:.0f} MB)"
    )
    print(f"  {'run':22s} {'peak MB':>8s} {'settled MB':>11s} {'wasm heap MB':>13s} {'accuracy':>9s} {'seconds':>8s}")
    runs = (("first_run", "defaults (float32)"), ("second_run", "defaults again"), ("float64_run", "float64"))
    for key, name in runs:
        r = mem[key]
        accuracy = f"{100 * r['accuracy']:.2f}%" if r["accuracy"] is not None else "–"
        peak = f"{r['peak_rss_mb']:.0f}" + ("" if r["peak_is_exact"] else "~")
        print(
            f"  {name:22s} {peak:>8s} {r['settled_rss_mb']:11.0f} {r['wasm_heap_mb']:13.0f} "
            f"{accuracy:>9s} {r['seconds']:8.1f}"
        )
    verdict = "ok" if t["second_run_ok"] else "OVER"
    print(
        f"  second run adds {mem['second_run_adds_mb']:+.0f} MB settled ({mem['second_run_peak_adds_mb']:+.0f} MB "
        f"at its peak): {verdict}; peak of the default runs: {'ok' if t['peak_ok'] else 'OVER'}; "
        f"float64 peak: {'ok' if t['float64_peak_ok'] else 'OVER'}"
    )
