"""Command line: ``python -m pycore train | evaluate | predict``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import mnist, model_io, preprocess
from .errors import PycoreError
from .evaluation import evaluate
from .network import DTYPES, INITS, Network, NetworkConfig
from .optimizers import OPTIMIZERS
from .trainer import LR_SCHEDULES, Progress, TrainConfig, Trainer

SEED_LOSS_EVERY = 200  # the seed printed the loss every 200 steps


def parse_classes(text: str) -> tuple[int, ...]:
    """``"0,1,2"``, ``"012"`` or ``"0-9"`` -> a tuple of digits."""
    text = text.strip()
    if "-" in text:
        lo, hi = text.split("-", 1)
        digits = tuple(range(int(lo), int(hi) + 1))
    elif "," in text:
        digits = tuple(int(d) for d in text.split(","))
    else:
        digits = tuple(int(d) for d in text)
    if len(digits) < 2 or len(set(digits)) != len(digits) or not all(0 <= d <= 9 for d in digits):
        raise argparse.ArgumentTypeError(f"classes must be two or more different digits 0-9, got {text!r}")
    return digits


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pycore",
        description="Digits from Scratch: train, evaluate and use a from-scratch NumPy network on MNIST.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    defaults = TrainConfig()
    net_defaults = NetworkConfig()

    def add_mnist(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--mnist",
            type=Path,
            default=None,
            help=f"folder with MNIST's IDX files (default: $PYCORE_MNIST or {mnist.DEFAULT_DIR})",
        )

    train = sub.add_parser("train", help="train a network (the seed experiment by default)")
    add_mnist(train)
    train.add_argument(
        "--classes", type=parse_classes, default=mnist.SEED_CLASSES, help="digits to learn: 0,1,2 (default) or 0-9"
    )
    train.add_argument("--samples", type=int, default=defaults.samples, help="training images (default 5000)")
    train.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the images (default 1)")
    train.add_argument("--batch-size", type=int, default=defaults.batch_size, help="images per step (default 1)")
    train.add_argument("--optimizer", default=defaults.optimizer, choices=OPTIMIZERS)
    train.add_argument("--lr", type=float, default=defaults.lr, help="learning rate (default 0.01)")
    train.add_argument(
        "--lr-schedule",
        default=defaults.lr_schedule,
        choices=LR_SCHEDULES,
        help="constant (default), or linear: falls to 0 at the last step",
    )
    train.add_argument("--momentum", type=float, default=defaults.momentum, help="momentum (default 0.9)")
    train.add_argument("--shuffle", action="store_true", help="reshuffle the images every epoch")
    train.add_argument(
        "--label-smoothing",
        type=float,
        default=defaults.label_smoothing,
        help="train towards (1-e)*one-hot + e/classes (default 0)",
    )
    train.add_argument("--hidden", default="500,100", help="hidden layer sizes (default 500,100)")
    train.add_argument("--activation", default="leaky_relu", choices=["leaky_relu", "relu", "sigmoid"])
    train.add_argument(
        "--loss",
        default="mse",
        choices=["mse", "softmax_ce"],
        help="mse: the seed's 0.5·Σ(y−t)² (default); softmax_ce: softmax + cross-entropy",
    )
    train.add_argument("--dtype", default=net_defaults.dtype, choices=DTYPES)
    train.add_argument(
        "--weight-scale",
        type=float,
        default=net_defaults.weight_scale,
        help="initial weights: this × randn (default 0.01)",
    )
    train.add_argument(
        "--init", default=net_defaults.init, choices=INITS, help="normal: weight-scale × randn (default); he"
    )
    train.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default 0)")
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


def progress_bar(p: Progress, width: int = 30) -> str:
    done = int(width * p.step / p.total)
    return (
        f"\r[{'#' * done}{'.' * (width - done)}] {p.step}/{p.total} "
        f"loss(avg) {p.avg_loss:.4f}  {p.samples_per_sec:,.0f} samples/s"
    )


def cmd_train(args: argparse.Namespace) -> int:
    folder = args.mnist or mnist.default_dir()
    train_split = mnist.load_split(folder, "train").select(args.classes)
    test_split = mnist.load_split(folder, "test").select(args.classes)
    hidden = tuple(int(h) for h in args.hidden.split(",") if h.strip())
    net_config = NetworkConfig(
        sizes=(784, *hidden, len(args.classes)),
        activation=args.activation,
        loss=args.loss,
        weight_scale=args.weight_scale,
        init=args.init,
        dtype=args.dtype,
        classes=args.classes,
    )
    config = TrainConfig(
        samples=args.samples,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        lr=args.lr,
        lr_schedule=args.lr_schedule,
        momentum=args.momentum,
        shuffle=args.shuffle,
        label_smoothing=args.label_smoothing,
        seed=args.seed,
        fast=not args.plain,
    )
    net = Network(net_config, seed=args.seed)
    trainer = Trainer(net, train_split.images, train_split.labels, config)
    used = min(config.samples, len(train_split))
    print(f"{net!r}")
    print(
        f"training on the first {used} training images of digits {args.classes}: "
        f"{trainer.total} steps, {config.optimizer} lr={config.lr} ({config.lr_schedule}), batch {config.batch_size}, "
        f"{config.epochs} epoch(s), {'fast' if trainer.fast else 'plain'} path"
    )
    show_bar = not args.quiet and sys.stdout.isatty()
    start = time.perf_counter()
    while not trainer.finished:
        # Chunks end on the seed's 200-step marks, so we can print the loss the seed printed.
        progress = trainer.run_chunk(SEED_LOSS_EVERY)
        for i, loss in enumerate(progress.losses):
            step = progress.first_step + i  # 0-based, like the seed's loop counter
            if step % SEED_LOSS_EVERY == 0:
                line = f"step {step + 1:>6}  loss {loss:.6f}"
                print(f"\r{line}{' ' * 30}" if show_bar else line)  # the padding overwrites the bar
        if show_bar:
            print(progress_bar(progress), end="", flush=True)
    if show_bar:
        print()
    print(
        f"{trainer.state}: {trainer.step} steps in {time.perf_counter() - start:.2f} s "
        f"({progress.samples_per_sec:,.0f} samples/s); final moving-average loss {progress.avg_loss:.6f}"
    )
    if trainer.message:
        print(trainer.message)
    result = evaluate(net, test_split.images, test_split.labels)
    print(f"test accuracy: {result.correct}/{result.total} = {100 * result.accuracy:.2f} %")
    print_confusion(result.confusion, args.classes)
    if args.out:
        model_io.save(net, args.out, notes={"test_accuracy": result.accuracy, "train": config.to_dict()})
        print(f"saved the model to {args.out}")
    return 0 if trainer.state == "done" else 1


def print_confusion(confusion: np.ndarray, classes: tuple[int, ...]) -> None:
    print("confusion matrix (rows: true digit, columns: predicted digit)")
    print("      " + "".join(f"{c:>7}" for c in classes))
    for c, row in zip(classes, confusion, strict=True):
        print(f"{c:>6}" + "".join(f"{n:>7}" for n in row))


def cmd_evaluate(args: argparse.Namespace) -> int:
    net, _ = model_io.load(args.model)
    classes = tuple(net.config.classes)
    test_split = mnist.load_split(args.mnist or mnist.default_dir(), "test").select(classes)
    result = evaluate(net, test_split.images, test_split.labels)
    print(f"{net!r}")
    print(f"test accuracy: {result.correct}/{result.total} = {100 * result.accuracy:.2f} %")
    print_confusion(result.confusion, classes)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    net, _ = model_io.load(args.model)
    try:
        data = args.image.read_bytes()
    except FileNotFoundError:
        raise PycoreError(f"{args.image}: file not found") from None
    try:
        image = preprocess.from_png(data)
    except OSError as exc:  # Pillow: not an image it can read
        raise PycoreError(f"{args.image}: not an image file Pillow can read ({exc})") from None
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
    args = build_parser().parse_args(argv)
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict}
    try:
        return commands[args.command](args)
    except PycoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the output was piped into a program that stopped reading (e.g. head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
