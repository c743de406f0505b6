"""The benchmark: `make bench` (or `python tests/benchmarks/run.py [--reps N] [--only PARTS]`).

Runs in headless Chromium against the built site served on localhost (start-up in a Chromium
per visit, with a profile on disk; the rest in one session), plus the CPython variants in this
process, and prints a table and writes ``test-results/benchmark.json``. Timings are medians of
``--reps`` runs and are compared as ratios with a reference measured in the same run (the machines
are shared and noisy).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: make the tests package importable
from tests.browser import launch_chromium, launch_with_profile  # noqa: E402
from tests.e2e.offline import cache_prefix, python_files, wait_for_copies  # noqa: E402

HERE = Path(__file__).resolve().parent
SITE = ROOT / "_site"
OUT = ROOT / "test-results" / "benchmark.json"


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = load_module("site_server", ROOT / "build" / "serve.py")
variants = load_module("variants", HERE / "variants.py")
memory = load_module("memory", HERE / "memory.py")
augment_cost = load_module("augment_cost", HERE / "augment_cost.py")
robustness = load_module("robustness", HERE / "robustness.py")


class CountingHandler(serve.SiteHandler):
    """Counts the body bytes the server sends, so first and repeat visits can be compared."""

    def copyfile(self, source, outputfile) -> None:
        data = source.read()
        outputfile.write(data)
        with self.server.lock:
            self.server.bytes_sent += len(data)
            self.server.requests += 1
            self.server.bodies[self.path] = self.server.bodies.get(self.path, 0) + 1


def start_server(folder: Path):
    import functools
    import http.server

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(folder))
    )
    server.verbose = False
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.bytes_sent = 0
    server.requests = 0
    server.bodies = {}  # path -> how many times its body was sent
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def bench_site(with_bench_page: bool = True) -> Path:
    """A copy of the site with the benchmark page (and TensorFlow.js, only here) beside it."""
    if not with_bench_page:
        folder = Path(tempfile.mkdtemp(prefix="dfs-bench-"))
        shutil.copytree(SITE, folder, dirs_exist_ok=True)
        return folder
    if not (HERE / "node_modules" / "@tensorflow" / "tfjs").exists():
        print("==> npm ci in tests/benchmarks (TensorFlow.js, for the benchmark only)", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    folder = Path(tempfile.mkdtemp(prefix="dfs-bench-"))
    shutil.copytree(SITE, folder, dirs_exist_ok=True)
    bench = folder / "bench"
    shutil.copytree(HERE / "page", bench)
    shutil.copyfile(HERE / "variants.py", bench / "variants.py")
    tfjs = bench / "tfjs"
    tfjs.mkdir()
    core = HERE / "node_modules/@tensorflow/tfjs/dist"
    wasm = HERE / "node_modules/@tensorflow/tfjs-backend-wasm/dist"
    shutil.copyfile(core / "tf.min.js", tfjs / "tf.min.js")
    shutil.copyfile(wasm / "tf-backend-wasm.min.js", tfjs / "tf-backend-wasm.min.js")
    for f in wasm.glob("*.wasm"):
        shutil.copyfile(f, tfjs / f.name)
    return folder


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def training_in_browser(browser, base: str, reps: int, only: str | None) -> dict:
    """Each variant ``reps`` times, interleaved (A/B/C, B/C/A, ...), each Pyodide run in a fresh
    worker of its own; and the app itself: Seed settings, Train clicked to the accuracy shown."""
    page = browser.new_page()
    page.goto(f"{base}bench/bench.html")
    page.wait_for_selector("#log[data-ready]", state="attached")
    names = [n for n in page.evaluate("() => window.variantNames") if not only or n in only.split(",")]
    names.append("app_seed_train_to_accuracy")
    results: dict = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            print(f"    rep {rep + 1}/{reps}: {name}", flush=True)
            if name == "app_seed_train_to_accuracy":
                results[name].append(app_seed_run(browser, base))
            else:
                results[name].append(page.evaluate("(name) => window.runVariant(name)", name))
    print("    profile and equality (not timed)", flush=True)
    results["passes"] = page.evaluate("() => window.passes()")
    results["profile"] = page.evaluate("() => window.profile()")
    results["equality"] = page.evaluate("() => window.equality()")
    page.close()
    return results


def app_seed_run(browser, base: str) -> dict:
    """The page with Seed settings: from Train clicked to the accuracy on screen (a fresh page)."""
    page = browser.new_page()
    page.goto(base)
    wait_ready(page)
    page.get_by_test_id("preset-seed").click()
    started = time.perf_counter()
    page.get_by_test_id("train").click()
    page.get_by_test_id("test-accuracy").filter(has_text="%").wait_for(timeout=1_800_000)
    seconds = time.perf_counter() - started
    accuracy = float(page.get_by_test_id("test-accuracy").get_attribute("data-accuracy"))
    run = page.evaluate("() => window.digitsApp.lastRun")
    page.close()
    keep = ("elapsed", "data_s", "setup_s", "loop_s", "evaluate_s")  # the worker's own timings of the run
    return {"seconds": seconds, "accuracy": accuracy, **{k: run[k] for k in keep if run and k in run}}


def training_native(reps: int) -> dict:
    data = variants.load_site_data(lambda name: (SITE / "data" / name).read_bytes())
    return {f"cpython_{name}": [variants.run(name, data) for _ in range(reps)] for name in variants.VARIANTS}


def wait_ready(page) -> None:
    # (not by its words, which differ by language)
    page.locator("[data-testid=status][data-kind=ready]").wait_for(timeout=120_000)


def mark(page, name: str) -> float:
    return page.evaluate(f"performance.getEntriesByName('{name}')[0].startTime") / 1000


# A visit lasts this long before the browser closes (the visitor uses the page): meanwhile V8 writes
# its compiled code of Python's .wasm, a few seconds after the hot functions were optimised (5 s was
# sometimes too soon here). Whether a start used that code is read from its trace, not assumed.
VISIT_S = 10
VISITS = ("cold", "first_repeat", "later")  # a new visitor, then two returns to the page


def bare_ready(page) -> float:
    page.wait_for_selector("#state[data-ready]", state="attached", timeout=120_000)
    return mark(page, "bare-ready")


def app_ready(page) -> float:
    wait_ready(page)
    return mark(page, "python-ready")


def traced_visit(context, url: str, ready):
    """Open ``url`` in ``context``: the page, the seconds from navigation to ``ready(page)``, and
    whether V8 took Python's .wasm from its compiled-code cache (a ``wasm.Deserialize`` in the trace,
    which records only V8's wasm events; the .wasm is the one module compiled as it streams in)."""
    page = context.pages[0] if context.pages else context.new_page()
    session = context.new_cdp_session(page)
    names: list[str] = []
    complete: list[bool] = []
    session.on("Tracing.dataCollected", lambda e: names.extend(event["name"] for event in e["value"]))
    session.on("Tracing.tracingComplete", lambda _: complete.append(True))
    config = {"includedCategories": ["v8.wasm"], "excludedCategories": ["*"]}
    session.send("Tracing.start", {"traceConfig": config, "transferMode": "ReportEvents"})
    try:
        page.goto(url)
        seconds = ready(page)
    finally:
        session.send("Tracing.end")
    deadline = time.monotonic() + 30
    while not complete and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # (the trace's events arrive while Playwright waits)
    session.detach()
    if not complete:
        raise RuntimeError(f"the trace of a start of {url} did not complete")
    return page, seconds, "wasm.Deserialize" in names


def start_up(playwright, base: str, server, reps: int) -> dict:
    """Navigation to "drawing usable" and to "ready" for a new visitor (a fresh browser profile), at
    the first return and at a later one (the browser opened again on the same profile, the service
    worker active); interleaved with the floor, a bare page whose worker only loads Pyodide from the
    site's runtime and imports NumPy (tests/benchmarks/page/bare.html). Each visit is a Chromium with
    its profile on disk, as a visitor's is: a private window keeps no compiled code between visits."""
    runs: dict[str, list] = {f"{what}_{visit}": [] for what in ("app", "bare") for visit in VISITS}
    runs |= {"app_cold_draw": [], "app_first_repeat_draw": []}
    code_cache: dict[str, list[bool]] = {f"{what}_{visit}": [] for what in ("app", "bare") for visit in VISITS[1:]}
    first_bytes, repeat_bytes, phases = [], [], []
    sent_twice: set[str] = set()  # files whose body was sent more than once on a first visit
    editor_file = json.loads((SITE / "data" / "manifest.json").read_text())["editor"]["file"]
    editor_requests: list[str] = []  # the code editor must not load unless a panel opens
    for rep in range(reps):
        for what in ("app", "bare") if rep % 2 == 0 else ("bare", "app"):
            url, ready = (base, app_ready) if what == "app" else (f"{base}bench/bare.html", bare_ready)
            with tempfile.TemporaryDirectory(prefix="dfs-profile-", ignore_cleanup_errors=True) as profile:
                for visit in VISITS:
                    context = launch_with_profile(playwright, Path(profile))
                    try:
                        context.on("request", lambda r: r.url.endswith(editor_file) and editor_requests.append(r.url))
                        server.bytes_sent = 0
                        server.bodies = {}
                        if visit == "cold":
                            page = context.pages[0] if context.pages else context.new_page()
                            page.goto(url)
                            seconds = ready(page)
                        else:
                            page, seconds, cached = traced_visit(context, url, ready)
                            code_cache[f"{what}_{visit}"].append(cached)
                        runs[f"{what}_{visit}"].append(seconds)
                        if what == "app" and visit != "later":
                            runs[f"app_{visit}_draw"].append(mark(page, "drawing-ready"))
                        if what == "app" and visit == "cold":
                            phases.append(page.evaluate("window.digitsApp.bootTimings"))
                            # the next visits: once the worker's copies are kept and the service worker is active
                            wait_for_copies(page, cache_prefix(SITE), python_files(SITE, base))
                            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                            first_bytes.append(server.bytes_sent)
                            sent_twice.update(path for path, times in server.bodies.items() if times > 1)
                        if what == "app" and visit == "first_repeat":
                            repeat_bytes.append(server.bytes_sent)
                        time.sleep(VISIT_S)
                    finally:
                        context.close()
    return {
        "cold_drawing_usable_s": median(runs["app_cold_draw"]),
        "first_repeat_drawing_usable_s": median(runs["app_first_repeat_draw"]),
        **{f"{what}_{visit}_s": median(runs[f"{what}_{visit}"]) for what in ("app", "bare") for visit in VISITS},
        "wasm_code_cache_used": {kind: f"{sum(used)} of {len(used)}" for kind, used in code_cache.items()},
        "runs_s": runs,
        "wasm_code_cache_runs": code_cache,
        "first_visit_bytes": median(first_bytes),
        "first_visit_sent_twice": sorted(sent_twice),
        "repeat_visit_bytes": median(repeat_bytes),
        "cold_worker_phases_s": phases[len(phases) // 2],
        "editor_bytes": (SITE / editor_file).stat().st_size,
        "editor_requests_at_start": len(editor_requests),
    }


def prediction_latency(browser, base: str, drawings: int) -> dict:
    from tests.e2e.drawing import DIGITS, PLACES, draw

    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.goto(base)
    wait_ready(page)
    shapes = [(d, p) for p in PLACES for d in DIGITS]
    for i in range(drawings):
        digit, place = shapes[i % len(shapes)]
        page.get_by_test_id("clear").click()
        draw(page, DIGITS[digit](), PLACES[place])
        deadline = time.time() + 30  # (wait_for_function would need eval, which the page's CSP forbids)
        while page.evaluate("performance.getEntriesByName('stroke-to-prediction').length") < i + 1:
            if time.time() > deadline:
                raise TimeoutError(f"no prediction after drawing {i + 1}")
            page.wait_for_timeout(5)
    ms = page.evaluate("performance.getEntriesByName('stroke-to-prediction').map(m => m.duration)")
    page.close()
    return {"count": len(ms), "p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95)}


def responsiveness(browser, base: str) -> dict:
    context = browser.new_context()
    context.add_init_script(
        "window.__longtasks = [];"
        "new PerformanceObserver(l => l.getEntries().forEach(e => window.__longtasks.push(e.duration)))"
        ".observe({type: 'longtask', buffered: true});"
    )
    page = context.new_page()
    page.goto(base)
    wait_ready(page)
    page.evaluate("window.__longtasks.length = 0")
    started = time.perf_counter()
    page.get_by_test_id("train").click()
    page.get_by_test_id("status").filter(has_text="Training done").wait_for(timeout=600_000)
    wall = time.perf_counter() - started
    tasks = page.evaluate("window.__longtasks")
    context.close()
    return {"longest_task_ms": max(tasks, default=0.0), "long_tasks": len(tasks), "training_wall_s": wall}


def preset_run(browser, base: str, mode: str) -> dict:
    """Train with a mode's own preset in the page: "0-2" = the Best preset, "0-9" = the 0–9 defaults."""
    page = browser.new_page()
    page.goto(base)
    wait_ready(page)
    if mode == "0-9":
        page.get_by_test_id("mode").select_option("0-9")
        page.get_by_test_id("status").filter(has_text="all ten digits").wait_for(timeout=300_000)
    else:
        page.get_by_test_id("preset-best-012").click()
    started = time.perf_counter()
    page.get_by_test_id("train").click()
    page.get_by_test_id("test-accuracy").filter(has_text="%").wait_for(timeout=1_800_000)
    deadline = time.time() + 60
    while not (run := page.evaluate("window.digitsApp.lastRun")) and time.time() < deadline:
        page.wait_for_timeout(50)
    wall = time.perf_counter() - started
    page.close()
    return {**run, "wall_s": wall}


SECTIONS = ("startup", "prediction", "responsiveness", "presets", "training", "memory", "augment", "robustness")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--drawings", type=int, default=50)
    parser.add_argument(
        "--only", default=None, help=f"comma-separated parts to run, of {', '.join(SECTIONS)} (default: all)"
    )
    parser.add_argument("--variants", default=None, help="comma-separated browser training variants (default: all)")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-presets", action="store_true", help="skip the Best 0–2 and the 0–9 training runs")
    args = parser.parse_args()
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    if unknown := sections - set(SECTIONS):
        parser.error(f"unknown part {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    if args.skip_training:
        sections.discard("training")
    if args.skip_presets:
        sections.discard("presets")
    if not (SITE / "build-info.json").exists():
        print("The site is not built: run `make build` (or `make bench`).", file=sys.stderr)
        return 1
    folder = bench_site(with_bench_page=bool({"training", "startup"} & sections))
    server, base = start_server(folder)
    report: dict = {"reps": args.reps, "date": time.strftime("%Y-%m-%d %H:%M")}
    with sync_playwright() as p:
        if "startup" in sections:  # (first: no other Chromium is open meanwhile)
            print(f"==> start-up and bytes; site at {base}", flush=True)
            report["startup"] = start_up(p, base, server, args.reps)
        browser = launch_chromium(p)
        report["chromium"] = browser.version
        print(f"==> Chromium {browser.version}; site at {base}", flush=True)
        if "prediction" in sections:
            print("==> prediction latency", flush=True)
            report["prediction"] = prediction_latency(browser, base, args.drawings)
        if "responsiveness" in sections:
            print("==> responsiveness while training", flush=True)
            report["responsiveness"] = responsiveness(browser, base)
        if "presets" in sections:
            print("==> the Best preset (0–2) and the 0–9 defaults, trained in the page", flush=True)
            report["presets"] = {mode: preset_run(browser, base, mode) for mode in ("0-2", "0-9")}
        if "training" in sections:
            print("==> seed training loop in the browser (this takes several minutes)", flush=True)
            report["training"] = training_in_browser(browser, base, args.reps, args.variants)
        browser.close()
        if "memory" in sections:
            print("==> memory in the 0–9 mode: two default runs, then float64, in a Chromium of its own", flush=True)
            report["memory"] = memory.measure(p, base, launch_chromium)
    if "training" in sections:
        print("==> seed training loop in CPython", flush=True)
        report["training"].update(training_native(args.reps))
    if "augment" in sections:
        print("==> augmentation's cost per batch, in CPython and in Pyodide (Node)", flush=True)
        report["augment"] = {"cpython": augment_cost.in_cpython(ROOT), "pyodide": augment_cost.in_pyodide(ROOT, SITE)}
    if "robustness" in sections:
        print("==> robustness: the plain and the augmented 0–9 model on transformed test images (CPython)", flush=True)
        report["robustness"] = robustness.measure()
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if sections != set(SECTIONS) and OUT.exists():  # a partial run updates the parts it measured
        report = {**json.loads(OUT.read_text()), **report}
    report.setdefault("measured", {}).update({name: report["date"] for name in sections})
    OUT.write_text(json.dumps(report, indent=1))
    print_table(report, sections)
    print(f"\nwrote {OUT}")
    return 0


def print_table(report: dict, sections: set[str]) -> None:
    """The figures of the parts measured in this run."""
    training = report.get("training", {}) if "training" in sections else {}
    if training:
        print_training(training, report["reps"])
    if "startup" in sections:
        print_startup(report)
    if "prediction" in sections:
        pr = report["prediction"]
        print(
            f"Prediction, stroke end to screen ({pr['count']} drawings): "
            f"p50 {pr['p50_ms']:.1f} ms, p95 {pr['p95_ms']:.1f} ms"
        )
    for mode, run in report.get("presets", {}).items() if "presets" in sections else ():
        name = "Best preset, 0–2" if mode == "0-2" else "0–9 defaults"
        accuracy = f"{100 * run['accuracy']:.2f} %" if run.get("accuracy") is not None else "no accuracy"
        print(
            f"{name}: {accuracy} on the test images after {run['steps']} steps in {run['elapsed']:.1f} s of training "
            f"({run['wall_s']:.1f} s from Train to the accuracy on screen)"
        )
    if "responsiveness" in sections:
        rs = report["responsiveness"]
        print(
            f"Longest main-thread task during the full training: {rs['longest_task_ms']:.0f} ms "
            f"({rs['long_tasks']} tasks over 50 ms; training took {rs['training_wall_s']:.1f} s wall)"
        )
    if "memory" in sections:
        memory.print_memory(report["memory"])
    if "augment" in sections:
        augment_cost.print_cost(report["augment"])
    if "robustness" in sections:
        robustness.print_robustness(report["robustness"])


TRAINING_LABELS = {
    "app_seed_train_to_accuracy": "the app: Train → accuracy",
    "pyodide_inline_floor": "pyodide_inline_floor (one loop)",
}


def print_training(training: dict, reps: int) -> None:
    """The seed loop's table (ratios against the plain seed code run alone, interleaved), its
    profile and its distance from the plain loop."""

    def seconds(name: str) -> float:  # a variant's median time (NaN if it never ran)
        return median([r["seconds"] for r in training.get(name, []) if "seconds" in r])

    ref = seconds("pyodide_seed_plain")
    print(f"\nSeed training loop, 5000 steps, median of {reps} interleaved runs, each Pyodide run in a fresh worker;")
    print("reference: the plain seed code (a transcription of the tutorial's loop) in Pyodide")
    print(f"{'variant':30s} {'seconds':>9s} {'runs (s)':>24s} {'vs ref':>8s} {'accuracy':>9s}")
    for name, runs in training.items():
        if name in ("profile", "equality", "passes"):
            continue
        ok = [r for r in runs if "seconds" in r]
        if not ok:
            print(f"{name:30s} failed: {runs[0].get('error', '?')[:80] if runs else 'not run'}")
            continue
        s = median([r["seconds"] for r in ok])
        acc = median([r["accuracy"] for r in ok])
        each = " ".join(f"{r['seconds']:.2f}" for r in ok)
        print(f"{TRAINING_LABELS.get(name, name):30s} {s:9.2f} {each:>24s} {ref / s:7.2f}× {100 * acc:8.2f}%")
    floor, fast = seconds("pyodide_inline_floor"), seconds("pyodide_pycore_fast")
    if not (math.isnan(floor) or math.isnan(fast)):  # both measured
        print(
            f"pycore's loop takes {fast / floor:.2f}× the time of the same math written as one loop "
            "(inline_floor: no layer objects, no checks), which is the floor of this algorithm in this NumPy"
        )
    if app := [r for r in training.get("app_seed_train_to_accuracy", []) if "loop_s" in r]:
        parts = ("data_s", "setup_s", "loop_s", "elapsed", "evaluate_s")
        part = {k: median([r.get(k, float("nan")) for r in app]) for k in parts}
        rest = median([r["seconds"] - r.get("data_s", 0) - r["setup_s"] - r["loop_s"] - r["evaluate_s"] for r in app])
        chunks = part["loop_s"] - part["elapsed"]
        print(
            f"the app's run (medians): data {part['data_s']:.2f} s, set-up {part['setup_s']:.2f} s, training "
            f"{part['loop_s']:.2f} s (in steps {part['elapsed']:.2f} s, between chunks {chunks:.2f} s), "
            f"evaluation {part['evaluate_s']:.2f} s, page and messages {rest:.2f} s"
        )
    if eq := training.get("equality"):
        if "error" in eq:
            print(f"equality: failed: {eq['error'][:200]}")
        else:
            print(
                f"pycore vs the plain seed code after {eq['steps']} steps: largest weight difference "
                f"{eq['max_relative_difference']:.1e} (relative); the same prediction on "
                f"{eq['same_predictions']} of {eq['test_images']} test images"
            )
    if passes := training.get("passes"):
        if "error" in passes:
            print(f"passes: failed: {passes['error'][:200]}")
        else:
            print(f"\nA step of pycore's seed loop in Pyodide, pass by pass ({passes['step_us']:.0f} µs a step):")
            for name, us in passes["passes_us"].items():
                print(f"  {name:12s} {us:7.1f} µs  {100 * us / passes['step_us']:5.1f} %")
    if prof := training.get("profile"):
        if "error" in prof:
            print(f"profile: failed: {prof['error'][:200]}")
        else:
            print(f"\nProfile of pycore's seed loop in Pyodide ({prof['ms_per_step']:.3f} ms a step under cProfile):")
            print(prof["table"].strip())


def print_startup(report: dict) -> None:
    st = report["startup"]
    app = [st[f"app_{visit}_s"] for visit in VISITS]
    bare = [st[f"bare_{visit}_s"] for visit in VISITS]
    print("\nStart-up (median, interleaved with the bare page; each visit a Chromium with a profile on disk):")
    draw_cold, draw_repeat = st["cold_drawing_usable_s"], st["first_repeat_drawing_usable_s"]
    print(f"  navigation to drawing usable: new visitor {draw_cold:.2f} s, first return {draw_repeat:.2f} s")
    print("  navigation to ready:   new visitor, first return, later return")
    print("    app                  " + ", ".join(f"{s:.2f} s" for s in app))
    print("    bare Pyodide + NumPy " + ", ".join(f"{s:.2f} s" for s in bare))
    print("    app / bare           " + ", ".join(f"{a / b:.2f}×" for a, b in zip(app, bare, strict=True)))
    print("    targets: ≤ 1.2× for a new visitor, ≤ 1.3× for a return (the issue's cold and warm)")
    used = st["wasm_code_cache_used"]
    print(
        f"  V8's compiled code of the .wasm used: app {used['app_first_repeat']} first returns, "
        f"{used['app_later']} later; bare {used['bare_first_repeat']} and {used['bare_later']}"
    )
    print(f"  the app's worker, new visitor (s from its start): {st.get('cold_worker_phases_s')}")
    first, repeat = st["first_visit_bytes"] / 1e6, st["repeat_visit_bytes"] / 1e3
    print(f"Bytes: first visit {first:.2f} MB, repeat visit {repeat:.1f} kB")
    twice = st["first_visit_sent_twice"]
    print(f"  files sent twice on a first visit: {', '.join(twice) if twice else 'none'}")
    if "editor_bytes" in st:
        print(
            f"Code editor (CodeMirror, vendor/editor.js): {st['editor_bytes']:,} bytes, fetched only when the Code or "
            f"Lab panel opens; requests for it during these start-ups: {st['editor_requests_at_start']}"
        )


if __name__ == "__main__":
    sys.exit(main())
