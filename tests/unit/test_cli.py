"""The command line, run in-process on the real MNIST from the set-up."""

import re
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

from pycore import mnist, model_io, recipes
from pycore.__main__ import build_parser, main, parse_classes, recipe_from_args
from pycore.network import Network, NetworkConfig


def test_classes_parsing():
    assert parse_classes("0-9") == tuple(range(10))
    assert parse_classes("0,1,2") == (0, 1, 2)
    assert parse_classes("357") == (3, 5, 7)


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--samples", "--epochs", "--batch-size", "--optimizer", "--lr", "--seed", "--classes", "--out"):
        assert flag in out


def test_missing_mnist_says_which_command_fetches_it(tmp_path, capsys):
    assert main(["train", "--mnist", str(tmp_path / "none")]) == 2
    assert "make setup" in capsys.readouterr().err


@pytest.mark.slow
def test_seed_experiment_reproduced(mnist_dir, tmp_path, capsys):
    """`python -m pycore train` with defaults: 5000 steps, loss 0.497968 at step 1, 97.74 % of 3,147 test images."""
    out_path = tmp_path / "seed.npz"
    assert main(["train", "--mnist", str(mnist_dir), "--out", str(out_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("step")]
    assert len(lines) == 25  # steps 1, 201, ..., 4801, as the seed printed
    assert lines[0] == "step      1  loss 0.497968"  # the seed's numbers, exactly
    assert "done: 5000 steps" in out
    accuracy = float(out.split("test accuracy: ")[1].split("=")[1].split("%")[0])
    assert accuracy == 97.74
    _, notes = model_io.load(out_path)
    assert notes["test_accuracy"] >= 0.97

    # evaluate and predict on the saved model
    assert main(["evaluate", str(out_path), "--mnist", str(mnist_dir)]) == 0
    assert f"{accuracy:.2f} %" in capsys.readouterr().out
    test = mnist.load_split(mnist_dir, "test").select((0, 1, 2))
    correct = 0
    for i in range(20):  # the seed's own check: its first 20 test images
        png = tmp_path / f"{i}.png"
        Image.fromarray(test.images[i]).resize((112, 112)).save(png)
        assert main(["predict", str(out_path), str(png)]) == 0
        out = capsys.readouterr().out
        correct += int(out.splitlines()[0] == f"digit: {test.labels[i]}")
        assert out.splitlines()[1].startswith("scores: 0: ")
    assert correct >= 19


def test_predict_blank_and_bad_image(tmp_path, capsys):
    model = tmp_path / "m.npz"
    model_io.save(__import__("pycore").Network(seed=0), model)
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    assert main(["predict", str(model), str(blank)]) == 1
    assert "nothing drawn" in capsys.readouterr().out
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["predict", str(model), str(text)]) == 2
    assert "not an image file" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "missing.npz"), str(blank)]) == 2
    assert "not found" in capsys.readouterr().err


def test_short_training_run_with_options(mnist_dir, tmp_path, capsys):
    out = tmp_path / "m.npz"
    code = main([
        "train", "--mnist", str(mnist_dir), "--samples", "300", "--batch-size", "10", "--epochs", "2",
        "--optimizer", "adam", "--lr", "0.001", "--loss", "softmax_ce", "--dtype", "float32",
        "--classes", "0-9", "--shuffle", "--out", str(out), "--quiet",
    ])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "60 steps" in text and "plain path" in text
    net, _ = model_io.load(out)
    assert net.config.classes == tuple(range(10)) and net.params["W1"].dtype == np.float32


def test_list_recipes(capsys):
    assert main(["train", "--list-recipes"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == list(recipes.RECIPES)


def test_flags_override_the_recipe_and_the_readme_commands_are_the_recipes():
    parse = build_parser().parse_args
    assert recipe_from_args(parse(["train"])) == recipes.get("seed")
    readme_pretrained = [
        "train",
        "--classes",
        "0-9",
        "--samples",
        "60000",
        "--batch-size",
        "100",
        "--optimizer",
        "adam",
        "--lr",
        "0.002",
        "--lr-schedule",
        "linear",
        "--loss",
        "softmax_ce",
        "--label-smoothing",
        "0.1",
        "--init",
        "he",
        "--epochs",
        "5",
        "--shuffle",
    ]
    assert recipe_from_args(parse(readme_pretrained)).network == recipes.get("ten-digit-pretrained").network
    assert recipe_from_args(parse(readme_pretrained)).train == recipes.get("ten-digit-pretrained").train
    best = recipe_from_args(parse(["train", "--recipe", "best-012", "--lr", "0.01", "--no-shuffle"]))
    assert best.train.lr == 0.01 and not best.train.shuffle and best.train.batch_size == 32
    assert not recipe_from_args(parse(["train", "--plain"])).train.fast


def user_error_cases(tmp_path):
    """(argv, what the one-line message must say): every user error exits 2 with one line."""
    model = tmp_path / "model.npz"
    model_io.save(Network(NetworkConfig(sizes=(784, 8, 3)), seed=0), model)
    big = tmp_path / "big.png"
    Image.new("L", (5000, 4000)).save(big)  # 20 million pixels: over the limit, refused from its header
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    long_name = [(["train", "--out", "y" * 5000], "cannot be used")]  # Pyodide's file system accepts it
    return [
        *(long_name if sys.platform != "emscripten" else []),
        (["predict", str(model), str(big)], "too large"),
        (["predict", str(tmp_path), str(big)], "not a file"),
        (["predict", str(model), str(tmp_path)], "is a folder"),
        (["predict", str(model), str(text)], "not an image file"),
        (["evaluate", str(text)], "not a model file"),
        (["train", "--hidden", "abc"], "hidden sizes"),
        (["train", "--hidden", "0"], "hidden sizes"),
        (["train", "--hidden", "100000000"], "parameters"),
        (["train", "--weight-scale", "nan"], "weight scale"),
        (["train", "--out", str(tmp_path / "missing" / "x.npz")], "does not exist"),
        (["train", "--out", str(tmp_path)], "is a folder"),
        (["train", "--samples", "0"], "samples"),
        (["train", "--lr", "-1"], "learning rate"),
        (["train", "--classes", "0-99"], "classes"),
        (["train", "--seed", "1e20"], "--seed"),
        (["train", "--recipe", "nope"], "--recipe"),
        (["evaluate", "x" * 5000], "cannot be read|not found"),  # the OS may answer either
    ]


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, mnist_dir):
    for argv, says in user_error_cases(tmp_path):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning or DecompressionBombWarning either
            try:
                code = main([*argv, "--mnist", str(mnist_dir)] if argv[0] == "train" else argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert code == 2, (argv, captured.err)
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, captured.err)
        assert re.search(says, lines[0]) and "Traceback" not in captured.err and "<_io." not in lines[0], (argv, lines)


def test_a_diverged_run_is_not_saved(tmp_path, capsys, mnist_dir):
    out = tmp_path / "diverged.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code = main(
            ["train", "--mnist", str(mnist_dir), "--lr", "10", "--samples", "300", "--out", str(out), "--quiet"]
        )
    printed = capsys.readouterr().out
    assert code == 1 and not out.exists()
    assert "diverged at step" in printed and "not saved" in printed
    assert "e+" in printed.splitlines()[3]  # the huge loss in compact notation


def test_a_useless_model_is_not_saved_even_when_the_run_finished(tmp_path, capsys, mnist_dir):
    """A linear network with the seed's Momentum grows absurd weights without an infinite loss."""
    out = tmp_path / "linear.npz"
    argv = ["train", "--mnist", str(mnist_dir), "--hidden", "", "--samples", "300", "--out", str(out), "--quiet"]
    code = main(argv)
    printed = capsys.readouterr().out
    assert code == 1 and not out.exists()
    assert "of no use" in printed and "not saved" in printed
