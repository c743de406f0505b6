"""pycore.messages: Python says what happened as a key and parameters; ``str()`` is the English."""

from __future__ import annotations

import copy
import sys

import pytest

from pycore import messages
from pycore.errors import ConfigError, ModelFileError, PycoreError
from pycore.messages import Message


def test_a_pycore_error_keeps_its_key_and_params_and_says_english():
    error = ConfigError("app.no_model_slot", slot="trained")
    assert (error.key, error.params) == ("app.no_model_slot", {"slot": "trained"})
    assert str(error) == "there is no trained model yet"


def test_a_nested_message_renders_in_english():
    error = PycoreError("file.is_folder", path="x", kind={"key": "file.kind.model", "params": {}})
    assert str(error) == "x: is a folder, not a model file"


def test_text_that_is_not_a_message_has_no_key():
    error = PycoreError('Traceback (most recent call last):\n  File "<lab>", line 1')
    assert error.key is None and "<lab>" in str(error)


def test_every_template_renders_with_its_own_placeholders():
    for key, template in messages.MESSAGES.items():
        params = {name: 1 for name in messages.placeholders(template)}
        assert "{" not in messages.render(key, params).replace("{…}", ""), key


def test_a_message_is_its_english_text_and_survives_copies():
    m = Message("trainer.stopped", step=3, total=10)
    assert m == "stopped after 3 of 10 steps" and isinstance(m, str)
    assert copy.deepcopy(m).key == "trainer.stopped"
    assert m.to_dict() == {"key": "trainer.stopped", "params": {"step": 3, "total": 10}, "text": str(m)}


def test_a_parameter_named_key_is_a_parameter():
    error = ModelFileError("model.encrypted", name="m.npz", key="W1")
    assert str(error) == "m.npz: W1 is encrypted; model files are not"
    assert error.params == {"name": "m.npz", "key": "W1"}


def test_a_mistyped_key_fails_loudly_rather_than_becoming_text():
    with pytest.raises(KeyError):
        ConfigError("model.not_zipp", name="x")
    assert str(PycoreError("a sentence for the command line")) == "a sentence for the command line"


def test_an_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        Message("no.such.key")


def test_the_worker_reads_the_last_errors_key(monkeypatch):
    """What the browser's worker reads after a call failed (Pyodide keeps the error as sys.last_exc)."""
    try:
        problem = Message("model.outputs_not_finite")
        raise ModelFileError("model.unusable", name=Message("model.the_file"), problem=problem)
    except ModelFileError as exc:
        monkeypatch.setattr(sys, "last_exc", exc, raising=False)
    last = messages.last_error()
    assert last["key"] == "model.unusable"
    assert last["params"]["name"] == {"key": "model.the_file", "params": {}}
    assert last["params"]["problem"]["key"] == "model.outputs_not_finite"
    assert sys.last_exc is None and messages.last_error() is None  # read once: its frames are let go
    monkeypatch.setattr(sys, "last_exc", ValueError("x"), raising=False)
    assert messages.last_error() is None


def test_a_list_parameter_is_a_list_for_the_page_and_joined_in_english():
    error = ConfigError("trainer.unknown_schedule", name="x", choices=["constant", "linear"])
    assert str(error) == "unknown learning-rate schedule 'x'; choose one of constant, linear"
    assert messages.for_page(error.params)["choices"] == ["constant", "linear"]
