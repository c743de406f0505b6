"""Exceptions that pycore raises with messages meant for people, and reading the files people give."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

from .messages import MESSAGES, Message, render

# Why a library refused some bytes, as a message the page can translate. Python's and its libraries'
# own texts are English, so they never go into a message: a known one becomes its key (with what
# it names, such as a zip entry), any other only its type's name ("reason.other").
_REASONS = tuple(
    (re.compile(pattern, re.I), key)
    for pattern, key in (
        (r"Bad CRC-32 for file '(?P<entry>[^']{0,60})", "reason.crc"),
        (r"integer string conversion", "reason.huge_number"),
        (r"Not a gzipped file|CRC check failed|Compressed file ended|gzip", "reason.gzip"),
        (r"while decompressing|invalid (?:block|distance|code|stored)|incomplete or truncated", "reason.compressed"),
        (r"magic number|not a zip file|negative seek|File name in directory|central directory|overlap|zip64|"
         r"Truncated file header|Bad offset", "reason.zip"),
        (r"magic string|format version|header", "reason.npy_header"),
        (r"cannot identify image file|unknown file format|not recognized", "reason.image_format"),
        (r"truncated|EOF|ended|too short", "reason.truncated"),
        (r"invalid literal for int|could not convert|argument must be|not a number|NoneType", "reason.not_number"),
    )
)  # fmt: skip
KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")  # what a message key looks like ("model.not_zip")
_OS_REASONS = {errno.EACCES: "reason.permission", errno.EPERM: "reason.permission", errno.EIO: "reason.io"}


def reason(exc: BaseException) -> Message:
    """Why ``exc`` was raised, as a message: its own when it has one, else one of the known reasons
    above, else only its type's name. (A parameter of a pycore message, never Python's English.)"""
    if getattr(exc, "key", None):
        return Message(exc.key, **exc.params)
    if isinstance(exc, json.JSONDecodeError):
        return Message("reason.json", line=exc.lineno, column=exc.colno)
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return Message(_OS_REASONS[exc.errno])
    text = str(exc)
    for pattern, key in _REASONS:
        found = pattern.search(text)
        if found:
            return Message(key, **found.groupdict())
    if isinstance(exc, EOFError):
        return Message("reason.truncated")
    return Message("reason.other", kind=type(exc).__name__)


class PycoreError(ValueError):
    """Base class: something the user gave us (a file, a setting) is not usable.

    Raised with a message key of :mod:`pycore.messages` and its parameters,
    ``PycoreError("file.not_found", path=...)``: ``str()`` is the English text (the CLI prints
    it), ``.key`` and ``.params`` go to the page, which says it in its language. Text that is not
    a message (a traceback of the visitor's own code) is given as it is, with no key.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        if KEY.fullmatch(str(key)) and key not in MESSAGES:
            raise KeyError(f"no message {key!r} in pycore.messages")  # a mistyped key must not become text
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
        raise error("file.unreadable", path=str(path), reason=reason(exc)) from None


class ExtensionError(PycoreError):
    """Code written against the extension API (a Lab component) is not usable; its message says why."""
