"""Command line: ``python -m pycore train | evaluate | predict``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import numpy as np

from . import augment, mnist, model_io, preprocess, recipes
from .errors import PycoreError, read_user_file
from .evaluation import evaluate
from .layers import ACTIVATIONS
from .losses import LOSSES
from .network import DTYPES, INITS
from .optimizers import OPTIMIZERS
from .trainer import LR_SCHEDULES, Progress

SEED_LOSS_EVERY = 200  # the seed printed the loss every 200 steps


def parse_classes(text: str) -> tuple[int, ...]:
    """``"0,1,2"``, ``"012"`` or ``"0-9"`` -> a tuple of digits."""
    text = text.strip()
    wrong = argparse.ArgumentTypeError(f"classes must be two or more different digits 0-9, got {text[:40]!r}")
    try:
        if "-" in text:
            lo, hi = (int(end) for end in text.split("-", 1))
            if not 0 <= lo < hi <= 9:  # checked before the range is made: 0-9999999999 is not built
                raise wrong
            digits = tuple(range(lo, hi + 1))
        elif "," in text:
            digits = tuple(int(d) for d in text.split(","))
        else:
            digits = tuple(int(d) for d in text)
    except ValueError:
        raise wrong from None
    if len(digits) < 2 or len(set(digits)) != len(digits) or not all(0 <= d <= 9 for d in digits):
        raise wrong
    return digits


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"500,100"`` -> (500, 100); ``""`` -> () (no hidden layer)."""
    try:
        sizes = tuple(int(h) for h in text.split(",") if h.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"hidden sizes must be whole numbers separated by commas, got {text!r}"
        ) from None
    if any(h < 1 for h in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be at least 1, got {text!r}")
    return sizes


class OneLineErrors(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (and exit status 2), without the usage."""

    def error(self, message: str) -> NoReturn:
        """Print the usage error on one line and exit with status 2."""
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments: ``train`` (from a recipe, flags overriding it), ``evaluate``, ``predict``."""
    parser = OneLineErrors(
        prog="python -m pycore",
        description="Digits from Scratch: train, evaluate and use a from-scratch NumPy network on MNIST.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_mnist(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--mnist",
            type=Path,
            default=None,
            help=f"folder with MNIST's IDX files (default: $PYCORE_MNIST or {mnist.DEFAULT_DIR})",
        )

    train = sub.add_parser(
        "train",
        help="train a network (the seed experiment by default)",
        description="Train a network from a recipe (default: the seed experiment); any flag overrides the recipe.",
    )
    add_mnist(train)
    train.add_argument("--recipe", default="seed", choices=recipes.RECIPES, help="the named experiment to start from")
    train.add_argument("--list-recipes", action="store_true", help="list the recipes and exit")
    seed = recipes.get("seed").settings()  # the defaults shown in --help
    train.add_argument("--classes", type=parse_classes, help="digits to learn: 0,1,2 or 0-9 (seed: 0,1,2)")
    train.add_argument("--samples", type=int, help=f"training images (seed: {seed['samples']})")
    train.add_argument("--epochs", type=int, help=f"passes over the images (seed: {seed['epochs']})")
    train.add_argument("--batch-size", type=int, help=f"images per step (seed: {seed['batch_size']})")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help=f"(seed: {seed['optimizer']})")
    train.add_argument("--lr", type=float, help=f"learning rate (seed: {seed['lr']})")
    train.add_argument(
        "--lr-schedule", choices=LR_SCHEDULES, help="constant (seed), or linear: falls to 0 at the last step"
    )
    train.add_argument("--momentum", type=float, help=f"momentum (seed: {seed['momentum']})")
    train.add_argument(
        "--shuffle", action=argparse.BooleanOptionalAction, help="reshuffle the images every epoch (seed: no)"
    )
    train.add_argument(
        "--augment",
        choices=augment.LEVELS,
        help=f"distort every batch: rotation, scale, shear, elastic, stroke width (seed: {seed['augment']})",
    )
    train.add_argument("--label-smoothing", type=float, help="train towards (1-e)*one-hot + e/classes (seed: 0)")
    train.add_argument("--hidden", type=parse_hidden, help="hidden layer sizes, e.g. 500,100 (the seed's)")
    train.add_argument("--activation", choices=ACTIVATIONS, help=f"(seed: {seed['activation']})")
    train.add_argument(
        "--loss", choices=LOSSES, help="mse: the seed's 0.5·Σ(y−t)²; softmax_ce: softmax + cross-entropy"
    )
    train.add_argument("--dtype", choices=DTYPES, help=f"(seed: {seed['dtype']})")
    train.add_argument(
        "--weight-scale", type=float, help=f"initial weights: this × randn (seed: {seed['weight_scale']})"
    )
    train.add_argument("--init", choices=INITS, help="normal: weight-scale × randn (the seed's); he")
    train.add_argument("--seed", type=int, help=f"random seed (seed: {seed['seed']})")
    train.add_argument("--plain", action="store_true", help="use the plain loop, not the sparse fast path")
    train.add_argument("--out", type=Path, default=None, help="save the trained model here (.npz)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    ev = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a saved model")
    ev.add_argument("model", type=Path)
    add_mnist(ev)

    pr = sub.add_parser("predict", help="predict the digit drawn in an image file")
    pr.add_argument("model", type=Path)
    pr.add_argument("image", type=Path)
    return parser


def format_loss(loss: float) -> str:
    """A loss as the seed printed it (six decimals), or compactly (``8.667e+72``, ``3.2e-07``,
    ``nan``) where six decimals would hide or blow up the number."""
    return f"{loss:.6f}" if loss == 0 or 1e-4 <= abs(loss) < 1e4 else f"{loss:.4g}"


def check_writable(out: Path) -> None:
    """Refuse an --out path that cannot be written, before any training: the folder must exist
    and take a new file (tried for real), and an existing ``out`` must be a regular file."""
    folder = out.parent
    try:
        if out.is_dir():
            raise PycoreError(f"--out {out}: is a folder; give a file name such as {out / 'model.npz'}")
        if out.exists() and not out.is_file():
            raise PycoreError(f"--out {out}: exists and is not a regular file")
        if not folder.exists():
            raise PycoreError(f"--out {out}: the folder {folder} does not exist")
        if not folder.is_dir():
            raise PycoreError(f"--out {out}: {folder} is not a folder")
    except OSError as exc:  # a name too long, a folder we may not search
        raise PycoreError(f"--out {out}: cannot be used ({exc.strerror or type(exc).__name__})") from None
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:  # a read-only folder or a full disk
        raise PycoreError(f"--out {out}: cannot write in the folder {folder} ({exc.strerror or exc})") from None


def read_image(path: Path) -> bytes:
    """The bytes of an image file (see :func:`read_user_file`)."""
    return read_user_file(path, "file.kind.image", preprocess.MAX_IMAGE_BYTES)


def progress_bar(p: Progress, width: int = 30) -> str:
    """A one-line progress bar, redrawn in place with a carriage return."""
    done = int(width * p.step / p.total)
    return (
        f"\r[{'#' * done}{'.' * (width - done)}] {p.step}/{p.total} "
        f"loss(avg) {format_loss(p.avg_loss)}  {p.samples_per_sec:,.0f} samples/s"
    )


def recipe_from_args(args: argparse.Namespace) -> recipes.Recipe:
    """The chosen recipe with every flag that was given applied over it."""
    given = {
        name: getattr(args, name)
        for name in recipes.get(args.recipe).settings()
        if getattr(args, name, None) is not None
    }
    recipe = recipes.get(args.recipe).with_overrides(given)
    return replace(recipe, train=replace(recipe.train, fast=not args.plain))


def cmd_train(args: argparse.Namespace) -> int:
    """Train from a recipe, print the loss as the seed did, evaluate, and save unless of no use."""
    if args.list_recipes:
        for recipe in recipes.RECIPES.values():
            print(f"{recipe.name:<22} {recipe.description}")
        return 0
    recipe = recipe_from_args(args)
    config, classes = recipe.train, recipe.classes
    if args.out:
        check_writable(args.out)
    folder = args.mnist or mnist.default_dir()
    train_split = mnist.load_split(folder, "train")
    test_split = mnist.load_split(folder, "test").select(classes)
    trainer = recipes.make_trainer(recipe, train_split)
    net = trainer.net
    print(f"{net!r}")
    print(
        f"training on the first {trainer.samples} training images of digits {classes}: "
        f"{trainer.total} steps, {config.optimizer} lr={config.lr} ({config.lr_schedule}), batch {config.batch_size}, "
        f"{config.epochs} epoch(s), {'fast' if trainer.fast else 'plain'} path"
        + (f", {config.augment} augmentation" if config.augment != "off" else "")
    )
    show_bar = not args.quiet and sys.stdout.isatty()
    start = time.perf_counter()
    while not trainer.finished:
        # Chunks end on the seed's 200-step marks, so we can print the loss the seed printed.
        progress = trainer.run_chunk(SEED_LOSS_EVERY)
        for i, loss in enumerate(progress.losses):
            step = progress.first_step + i  # 0-based, like the seed's loop counter
            if step % SEED_LOSS_EVERY == 0:
                line = f"step {step + 1:>6}  loss {format_loss(loss)}"
                print(f"\r{line}{' ' * 30}" if show_bar else line)  # the padding overwrites the bar
        if show_bar:
            print(progress_bar(progress), end="", flush=True)
    if show_bar:
        print()
    print(
        f"{trainer.state}: {trainer.step} steps in {time.perf_counter() - start:.2f} s "
        f"({progress.samples_per_sec:,.0f} samples/s); final moving-average loss {format_loss(progress.avg_loss)}"
    )
    with np.errstate(all="ignore"):  # a diverged network's outputs overflow; its accuracy is still shown
        result = evaluate(net, test_split.images, test_split.labels)
    print(f"test accuracy: {result.correct}/{result.total} = {100 * result.accuracy:.2f} %")
    print_confusion(result.confusion, classes)
    problem = trainer.problem()
    if args.out and problem:
        print(f"not saved to {args.out}: {problem}")
    elif problem:
        print(f"the trained model is of no use: {problem}")
    elif args.out:
        notes = {"recipe": recipe.name, "test_accuracy": result.accuracy, "train": config.to_dict()}
        try:
            model_io.save(net, args.out, notes=notes)
        except OSError as exc:
            raise PycoreError(f"--out {args.out}: the model could not be saved ({exc.strerror or exc})") from None
        print(f"saved the model to {args.out}")
    return 0 if trainer.state == "done" and not problem else 1


def print_confusion(confusion: np.ndarray, classes: tuple[int, ...]) -> None:
    """The confusion matrix as a table: rows are true digits, columns predicted ones."""
    print("confusion matrix (rows: true digit, columns: predicted digit)")
    print("      " + "".join(f"{c:>7}" for c in classes))
    for c, row in zip(classes, confusion, strict=True):
        print(f"{c:>6}" + "".join(f"{n:>7}" for n in row))


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Test accuracy and confusion matrix of a saved model on its digits' test images."""
    net, _ = model_io.load(args.model)
    classes = tuple(net.config.classes)
    test_split = mnist.load_split(args.mnist or mnist.default_dir(), "test").select(classes)
    result = evaluate(net, test_split.images, test_split.labels)
    print(f"{net!r}")
    print(f"test accuracy: {result.correct}/{result.total} = {100 * result.accuracy:.2f} %")
    print_confusion(result.confusion, classes)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """The digit drawn in an image file, with every class's score."""
    net, _ = model_io.load(args.model)
    data = read_image(args.image)
    try:
        image = preprocess.from_png(data)
    except PycoreError as exc:
        raise PycoreError(f"{args.image}: {exc}") from None
    if image is None:
        print("nothing drawn: the image is blank")
        return 1
    scores = net.scores(image.reshape(1, -1))[0]
    classes = net.config.classes
    print(f"digit: {classes[int(scores.argmax())]}")
    label = "probabilities" if net.outputs == "probabilities" else "scores"
    print(f"{label}: " + "  ".join(f"{c}: {s:.4f}" for c, s in zip(classes, scores, strict=True)))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a user's error is one line on stderr and exit status 2."""
    args = build_parser().parse_args(argv)
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict}
    try:
        return commands[args.command](args)
    except PycoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: nothing is saved, and no traceback
        print("\ninterrupted: nothing was saved", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into a program that stopped reading (e.g. head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
