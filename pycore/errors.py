"""Exceptions that pycore raises with messages meant for people, and reading the files people give."""

from __future__ import annotations

from pathlib import Path


class PycoreError(ValueError):
    """Base class: something the user gave us (a file, a setting) is not usable."""


class MnistFileError(PycoreError):
    """An IDX file is missing, truncated or not what it claims to be."""


class ModelFileError(PycoreError):
    """A model file cannot be loaded; the model in memory was left unchanged."""


class ConfigError(PycoreError):
    """A network or training setting is out of range."""


def read_user_file(path: Path, kind: str, max_bytes: int, error: type[PycoreError] = PycoreError) -> bytes:
    """The bytes of the file ``path`` that a person gave us as a ``kind`` ("a model file", "an image
    file"), refused with a one-line ``error`` before anything is read when it is missing, a folder,
    a device, or over ``max_bytes``; never more than ``max_bytes`` + 1 bytes are read."""
    try:
        if not path.exists():
            raise error(f"{path}: file not found")
        if path.is_dir():
            raise error(f"{path}: is a folder, not {kind}")
        if not path.is_file():
            raise error(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path}: {size:,} bytes is too large for {kind} (at most {max_bytes:,})")
        with path.open("rb") as f:
            return f.read(max_bytes + 1)
    except OSError as exc:  # a name too long, a folder we may not search, a file we may not read
        raise error(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None


class ExtensionError(PycoreError):
    """Code written against the extension API (a Lab component) is not usable; its message says why."""
