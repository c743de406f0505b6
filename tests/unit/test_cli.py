"""The command line, run in-process on the real MNIST from the set-up."""

import re
import struct
import sys
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

import pycore.__main__ as cli
from pycore import mnist, model_io, preprocess, recipes
from pycore.__main__ import build_parser, format_loss, main, parse_classes, recipe_from_args
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
        "--classes", "0-9", "--shuffle", "--augment", "light", "--out", str(out), "--quiet",
    ])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "60 steps" in text and "plain path" in text and "light augmentation" in text
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
    assert recipe_from_args(parse(readme_pretrained)).network == recipes.get("ten-digit-plain").network
    assert recipe_from_args(parse(readme_pretrained)).train == recipes.get("ten-digit-plain").train
    best = recipe_from_args(parse(["train", "--recipe", "best-012", "--lr", "0.01", "--no-shuffle"]))
    assert best.train.lr == 0.01 and not best.train.shuffle and best.train.batch_size == 32
    assert not recipe_from_args(parse(["train", "--plain"])).train.fast


def png_header(width: int, height: int) -> bytes:
    """The start of a greyscale PNG of any size: its header and a few bytes of pixel data. Enough
    for Pillow to open it and read its size; a pixel limit must refuse it before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b"")
    )


def user_error_cases(tmp_path):
    """(argv, what the one-line message must say): every user error exits 2 with one line."""
    model = tmp_path / "model.npz"
    model_io.save(Network(NetworkConfig(sizes=(784, 8, 3)), seed=0), model)
    big = tmp_path / "big.png"
    Image.new("L", (5000, 4000)).save(big)  # 20 million pixels: over the limit, refused from its header
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_header(15000, 15000))  # over Pillow's own limit: its DecompressionBombError
    warned = tmp_path / "warned.png"
    warned.write_bytes(png_header(10000, 10000))  # over Pillow's warning limit, under its error limit
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    long_name = [(["train", "--out", "y" * 5000], "cannot be used")]  # Pyodide's file system accepts it
    return [
        *(long_name if sys.platform != "emscripten" else []),
        (["predict", str(model), str(big)], "too large"),
        (["predict", str(model), str(huge)], "too large"),
        (["predict", str(model), str(warned)], "too large"),
        (["predict", str(tmp_path), str(big)], "is a folder, not a model file"),
        (["predict", str(model), str(tmp_path)], "is a folder, not an image file"),
        (["predict", str(model), "/dev/null"], "not a regular file"),
        (["predict", str(model), str(text)], "not an image file"),
        (["predict", str(model), str(tmp_path / "missing.png")], "file not found"),
        (["evaluate", str(text)], "not a model file"),
        (["evaluate", str(tmp_path)], "is a folder"),
        (["train", "--hidden", "abc"], "hidden sizes"),
        (["train", "--hidden", "0"], "hidden sizes"),
        (["train", "--hidden", "-3"], "hidden sizes"),
        (["train", "--hidden", "100000000"], "parameters"),
        (["train", "--hidden", ",".join(["2"] * 20)], "hidden layers"),
        (["train", "--weight-scale", "nan"], "weight scale"),
        (["train", "--weight-scale", "inf"], "weight scale"),
        (["train", "--weight-scale", "-1"], "weight scale"),
        (["train", "--out", str(tmp_path / "missing" / "x.npz")], "does not exist"),
        (["train", "--out", str(tmp_path)], "is a folder"),
        (["train", "--out", str(text / "x.npz")], "is not a folder"),
        (["train", "--out", "/dev/null"], "not a regular file"),
        (["train", "--samples", "0"], "samples"),
        (["train", "--lr", "-1"], "learning rate"),
        (["train", "--lr", "nan"], "learning rate"),
        (["train", "--classes", "0-99"], "classes"),
        (["train", "--classes", "0-9999999999"], "classes"),  # refused before a range of 10^10 is made
        (["train", "--classes", "0-"], "classes must be"),
        (["train", "--seed", "1e20"], "--seed"),
        (["train", "--recipe", "nope"], "--recipe"),
        (["train", "--augment", "heavy"], "--augment"),
        (["evaluate", "x" * 5000], "cannot be read|not found"),  # the OS may answer either
    ]


def run_cli(argv, capsys):
    """``main(argv)`` with every warning an error: its exit status and its stdout and stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as `python -W error`: no RuntimeWarning or DecompressionBombWarning either
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, says, argv):
    lines = err.strip().splitlines()
    assert code == 2, (argv, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
    assert re.search(says, lines[0]) and "Traceback" not in err and "<_io." not in lines[0], (argv, lines)


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys, mnist_dir):
    for argv, says in user_error_cases(tmp_path):
        code, _, err = run_cli([*argv, "--mnist", str(mnist_dir)] if argv[0] == "train" else argv, capsys)
        assert_one_line_error(code, err, says, argv)


def test_an_unwritable_out_folder_is_refused_before_training(tmp_path, capsys, mnist_dir, monkeypatch):
    def refused(*_, **__):  # what a read-only folder does (root may write anywhere, so it is simulated)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "TemporaryFile", refused)
    monkeypatch.setattr(cli.recipes, "make_trainer", lambda *_: pytest.fail("training started"))
    code, _, err = run_cli(["train", "--mnist", str(mnist_dir), "--out", str(tmp_path / "m.npz")], capsys)
    assert_one_line_error(code, err, "cannot write in the folder", "--out")


def test_a_failed_save_is_one_line(tmp_path, capsys, mnist_dir, monkeypatch):
    def disk_full(*_, **__):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.model_io, "save", disk_full)
    argv = ["train", "--mnist", str(mnist_dir), "--samples", "20", "--out", str(tmp_path / "m.npz"), "--quiet"]
    code, _, err = run_cli(argv, capsys)
    assert_one_line_error(code, err, r"could not be saved \(No space left on device\)", argv)


def test_an_oversized_image_file_is_not_read(tmp_path, capsys, monkeypatch):
    model = tmp_path / "model.npz"
    model_io.save(Network(NetworkConfig(sizes=(784, 8, 3)), seed=0), model)
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28)).save(image)
    monkeypatch.setattr(preprocess, "MAX_IMAGE_BYTES", image.stat().st_size - 1)
    code, _, err = run_cli(["predict", str(model), str(image)], capsys)
    assert_one_line_error(code, err, "too large for an image file", "predict")


def test_ctrl_c_is_one_line_and_saves_nothing(tmp_path, capsys, mnist_dir, monkeypatch):
    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.recipes, "make_trainer", interrupted)
    out = tmp_path / "m.npz"
    code, _, err = run_cli(["train", "--mnist", str(mnist_dir), "--out", str(out)], capsys)
    assert code == 130 and err.strip() == "interrupted: nothing was saved" and not out.exists()


def test_losses_print_as_the_seed_printed_them_or_compactly():
    assert format_loss(0.4979681) == "0.497968"
    assert format_loss(0.002791) == "0.002791"
    assert format_loss(8.666e72) == "8.666e+72"
    assert format_loss(3.2e-7) == "3.2e-07"
    assert format_loss(float("nan")) == "nan" and format_loss(float("inf")) == "inf"
    assert format_loss(0.0) == "0.000000"


def test_a_diverged_run_is_not_saved(tmp_path, capsys, mnist_dir):
    out = tmp_path / "diverged.npz"
    argv = ["train", "--mnist", str(mnist_dir), "--lr", "10", "--samples", "300", "--out", str(out), "--quiet"]
    code, printed, err = run_cli(argv, capsys)
    assert code == 1 and not out.exists() and err == ""
    assert re.search(r"^not saved to .*diverged\.npz: training diverged at step \d+: ", printed, re.M), printed
    final = next(line for line in printed.splitlines() if line.startswith("diverged: "))
    assert re.search(r"final moving-average loss -?\d\.\d+e[+-]\d+$", final), final  # compact, not 70 digits


def test_a_run_that_ends_with_useless_weights_is_not_saved(tmp_path, capsys, mnist_dir):
    """Adam at lr 10 never makes the loss infinite here, but its outputs are absurd: not saved either."""
    out = tmp_path / "useless.npz"
    argv = ["train", "--mnist", str(mnist_dir), "--lr", "10", "--optimizer", "adam", "--samples", "100",
            "--batch-size", "10", "--out", str(out), "--quiet"]  # fmt: skip
    code, printed, err = run_cli(argv, capsys)
    assert code == 1 and not out.exists() and err == ""
    assert "done: 10 steps" in printed
    assert re.search(r"^not saved to .*useless\.npz: its outputs are (absurdly large|not finite)", printed, re.M)


def test_a_useless_model_is_not_saved_even_when_the_run_finished(tmp_path, capsys, mnist_dir):
    """A linear network with the seed's Momentum grows absurd weights without an infinite loss."""
    out = tmp_path / "linear.npz"
    argv = ["train", "--mnist", str(mnist_dir), "--hidden", "", "--samples", "300", "--out", str(out), "--quiet"]
    code, printed, err = run_cli(argv, capsys)
    assert code == 1 and not out.exists() and err == ""
    assert re.search(r"^not saved to .*linear\.npz: its outputs are (absurdly large|not finite)", printed, re.M)
