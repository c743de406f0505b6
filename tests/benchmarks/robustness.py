"""Robustness: `python tests/benchmarks/run.py --only robustness`.

MNIST's 10,000 test images, transformed the way people's writing differs from MNIST's (thicker
and thinner strokes, rotated ±20°, sheared both ways, drawn small then scaled up), each then put
through the page's own preprocessing (``pycore.preprocess.to_mnist``: crop, 20 px, centre of
mass), read by the plain 0–9 model (recipe ``ten-digit-plain``, trained here once and cached in
``build/cache``) and by the shipped, augmented one (``build/pretrained``). CPython only.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import drawn  # noqa: E402  (tests/benchmarks/drawn.py, beside this file)

TARGET_DROP = 0.015  # issue #13: the augmented model loses at most 1.5 points on each variant
SMALL_SIDE = 10  # "drawn small": the digit shrunk to this many px (of 28) before the page scales it up


def _warped(matrix: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def transform(x: np.ndarray) -> np.ndarray:
        from pycore import augment

        n = len(x)
        return augment.warp(x, np.broadcast_to(matrix, (n, 2, 2)), np.zeros((n, 2)))

    return transform


def _stroke(width: float) -> Callable[[np.ndarray], np.ndarray]:
    def transform(x: np.ndarray) -> np.ndarray:
        from pycore import augment

        return augment.stroke_width(x, np.full(len(x), width, dtype=np.float32))

    return transform


def _rotation(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def _small(x: np.ndarray) -> np.ndarray:
    """Each digit shrunk to SMALL_SIDE px (area-averaged), as a digit drawn small with the same pen."""
    from PIL import Image

    out = np.zeros_like(x)
    for i, image in enumerate(x):
        small = Image.fromarray(image).resize((SMALL_SIDE, SMALL_SIDE), Image.Resampling.BOX)
        out[i, :SMALL_SIDE, :SMALL_SIDE] = np.asarray(small)
    return out


VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "MNIST as it is": None,
    "page's preprocessing": lambda x: x,
    "thicker (dilated 1 px)": _stroke(1.0),
    "thinner (eroded 0.6 px)": _stroke(-0.6),
    "rotated +20°": _warped(_rotation(20)),
    "rotated −20°": _warped(_rotation(-20)),
    "sheared +0.3": _warped(np.array([[1.0, 0.0], [0.3, 1.0]])),
    "sheared −0.3": _warped(np.array([[1.0, 0.0], [-0.3, 1.0]])),
    f"drawn small ({SMALL_SIDE} px), scaled up": _small,
}


def through_the_page(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) float images -> what the page's preprocessing makes of each, uint8 (N, 784)."""
    from pycore import preprocess

    out = np.zeros((len(images), 784), np.uint8)
    for i, image in enumerate(images):
        page = preprocess.to_mnist(np.rint(np.clip(image, 0, 255)).astype(np.uint8))
        if page is not None:
            out[i] = np.rint(page.reshape(-1) * 255).astype(np.uint8)
    return out


def variant_images(name: str, images: np.ndarray) -> np.ndarray:
    transform = VARIANTS[name]
    if transform is None:
        return images.reshape(len(images), -1)
    x = images.astype(np.float32)
    if transform is _small:
        return through_the_page(transform(images).astype(np.float32))
    return through_the_page(transform(x))


def plain_model(mnist_dir: Path, cache: Path):
    """The plain 0–9 model (recipe ten-digit-plain), trained once and cached."""
    from pycore import mnist, model_io, recipes

    recipe = recipes.get("ten-digit-plain")
    key = hashlib.sha256(repr(recipe).encode())
    for path in sorted((ROOT / "pycore").glob("*.py")):
        if path.name not in ("app.py", "__main__.py", "preprocess.py", "augment.py"):
            key.update(path.read_bytes())
    cached = cache / f"bench-{recipe.name}-{key.hexdigest()[:16]}.npz"
    if not cached.exists():
        print(f"    training the plain model ({recipe.name}) once; cached in {cached.name}", flush=True)
        trainer = recipes.make_trainer(recipe, mnist.load_split(mnist_dir, "train"))
        trainer.run()
        cache.mkdir(parents=True, exist_ok=True)
        model_io.save(trainer.net, cached, notes={"recipe": recipe.name})
    return model_io.load(cached)[0]


SHIPPED = ROOT / "build" / "pretrained" / "ten-digit-augmented.npz"  # the page's pretrained 0–9 model


def measure(augmented: Path = SHIPPED) -> dict:
    """Accuracy of the plain model and of ``augmented`` on each variant, overall and per digit."""
    from pycore import mnist, model_io
    from pycore.evaluation import evaluate

    mnist_dir = ROOT / mnist.DEFAULT_DIR
    test = mnist.load_split(mnist_dir, "test")
    models = {"plain": plain_model(mnist_dir, ROOT / "build" / "cache"), "augmented": model_io.load(augmented)[0]}
    report: dict = {"variants": {}, "per_digit": {}}
    for name in VARIANTS:
        started = time.perf_counter()
        images = variant_images(name, test.images)
        row = {}
        for model_name, net in models.items():
            result = evaluate(net, images, test.labels)
            row[model_name] = result.accuracy
            per_digit = np.diag(result.confusion) / result.confusion.sum(axis=1)
            report["per_digit"].setdefault(model_name, {})[name] = per_digit.tolist()
        report["variants"][name] = row
        print(f"    {name}: {time.perf_counter() - started:.1f} s", flush=True)
    images, labels, info = drawn.drawn_set()
    report["drawn"] = {"count": len(labels)}
    for model_name, net in models.items():
        correct = evaluate(net, images, labels).predicted == labels  # (N,)
        report["drawn"][model_name] = {
            "overall": float(np.mean(correct)),
            **{f"by_{key}": drawn.accuracy_by(key, correct, info) for key in ("template", "pen", "size", "size, pen")},
        }
    return report


def print_robustness(report: dict) -> None:
    variants = report["variants"]
    base = variants["page's preprocessing"]
    print("\nRobustness: accuracy on MNIST's 10,000 test images, transformed, through the page's preprocessing")
    print(f"{'variant':34s} {'plain':>8s} {'augmented':>10s} {'aug. drop':>10s}")
    for name, row in variants.items():
        drop = base["augmented"] - row["augmented"]
        mark = "" if name in ("MNIST as it is", "page's preprocessing") or drop <= TARGET_DROP else "  (over 1.5)"
        print(f"{name:34s} {100 * row['plain']:7.2f}% {100 * row['augmented']:9.2f}% {100 * drop:9.2f}{mark}")
    print("\nPer digit, over the seven transformed variants (plain / augmented):")
    transformed = [n for n in variants if n not in ("MNIST as it is", "page's preprocessing")]
    print("digit " + " ".join(f"{d:>13d}" for d in range(10)))
    cells = []
    for d in range(10):
        plain = np.mean([report["per_digit"]["plain"][n][d] for n in transformed])
        aug = np.mean([report["per_digit"]["augmented"][n][d] for n in transformed])
        cells.append(f"{100 * plain:5.1f}/{100 * aug:5.1f} %")
    print("      " + " ".join(f"{c:>13s}" for c in cells))
    if "drawn" not in report:
        return
    d = report["drawn"]
    print(f"\nThe drawn set ({d['count']} images from stroke templates, tests/benchmarks/drawn.py):")
    print(f"{'':34s} {'plain':>8s} {'augmented':>10s}")
    print(f"{'all':34s} {100 * d['plain']['overall']:7.1f}% {100 * d['augmented']['overall']:9.1f}%")
    for key in ("size", "pen", "size, pen", "template"):
        for name in d["plain"][f"by_{key}"]:
            plain, aug = d["plain"][f"by_{key}"][name], d["augmented"][f"by_{key}"][name]
            print(f"{name:34s} {100 * plain:7.1f}% {100 * aug:9.1f}%")


if __name__ == "__main__":  # python tests/benchmarks/robustness.py [MODEL.npz, instead of the shipped one]
    import sys

    sys.path.insert(0, str(ROOT))
    print_robustness(measure(*(Path(a) for a in sys.argv[1:2])))
