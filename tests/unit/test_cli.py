"""The command line, run in-process on the real MNIST from the set-up."""

import numpy as np
import pytest
from PIL import Image

from pycore import mnist, model_io
from pycore.__main__ import main, parse_classes


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
