"""Exceptions that pycore raises with messages meant for people, and reading the files people give."""

from __future__ import annotations

from pathlib import Path

from .messages import MESSAGES, Message, render


class PycoreError(ValueError):
    """Base class: something the user gave us (a file, a setting) is not usable.

    Raised with a message key of :mod:`pycore.messages` and its parameters,
    ``PycoreError("file.not_found", path=...)``: ``str()`` is the English text (the CLI prints
    it), ``.key`` and ``.params`` go to the page, which says it in its language. Text that is not
    a message (a traceback of the visitor's own code) is given as it is, with no key.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        if key in MESSAGES:
            self.key: str | None = key
            self.params: dict = params
            super().__init__(render(key, params))
        else:
            self.key, self.params = None, {}
            super().__init__(key)


class MnistFileError(PycoreError):
    """An IDX file is missing, truncated or not what it claims to be."""


class ModelFileError(PycoreError):
    """A model file cannot be loaded; the model in memory was left unchanged."""


class ConfigError(PycoreError):
    """A network or training setting is out of range."""


def read_user_file(path: Path, kind: str, max_bytes: int, error: type[PycoreError] = PycoreError) -> bytes:
    """The bytes of the file ``path`` that a person gave us as a ``kind`` (a message key,
    ``"file.kind.model"`` or ``"file.kind.image"``), refused with a one-line ``error`` before
    anything is read when it is missing, a folder, a device, or over ``max_bytes``; never more
    than ``max_bytes`` + 1 bytes are read."""
    kind_message = Message(kind)
    try:
        if not path.exists():
            raise error("file.not_found", path=str(path))
        if path.is_dir():
            raise error("file.is_folder", path=str(path), kind=kind_message)
        if not path.is_file():
            raise error("file.not_regular", path=str(path))
        size = path.stat().st_size
        if size > max_bytes:
            raise error("file.too_large", path=str(path), size=size, kind=kind_message, limit=max_bytes)
        with path.open("rb") as f:
            return f.read(max_bytes + 1)
    except OSError as exc:  # a name too long, a folder we may not search, a file we may not read
        raise error("file.unreadable", path=str(path), reason=exc.strerror or type(exc).__name__) from None


class ExtensionError(PycoreError):
    """Code written against the extension API (a Lab component) is not usable; its message says why."""
