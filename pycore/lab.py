"""The page's Lab: run a visitor's Python, which registers components with :mod:`pycore.extend`.

The code runs as a file named ``<lab>``, so a traceback's line numbers are the editor's. Each run
first forgets what the previous run registered, so the editor's code is what is registered.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import traceback

from . import extend
from .errors import ExtensionError

FILENAME = "<lab>"
MAX_CODE = 100_000  # characters: far more than a component needs
MAX_OUTPUT = 10_000  # characters of print() output kept

# What the Lab's editor opens with: an activation written from scratch, backward pass included.
EXAMPLE = """\
# Swish (Ramachandran et al., 2017): y = x · sigmoid(x).
# Write forward and backward like pycore's own layers, register the class,
# press Run, then choose "Swish" as the activation in "Train it yourself".
import numpy as np
import pycore


class Swish:
    def forward(self, x):
        # Cache only what backward needs.
        self.s = 1.0 / (1.0 + np.exp(-x))   # sigmoid(x)
        self.y = x * self.s
        return self.y

    def backward(self, dout):
        # dy/dx = s + x·s·(1 − s) = s + y·(1 − s)
        return dout * (self.s + self.y * (1.0 - self.s))


pycore.register_activation("swish", Swish, label="Swish")
print("Swish is registered: choose it in the training form.")
"""


class LabError(ExtensionError):
    """The visitor's code failed; the message is its traceback, in the editor's line numbers."""


def run(code: str) -> dict:
    """Run ``code`` and return ``{registered: {kind: [names]}, output}`` (what it printed).

    A failure raises :class:`LabError` with the traceback of the visitor's own lines; what the
    code registered before failing is forgotten, so a half-run never leaves stale components.
    """
    code = str(code)
    if len(code) > MAX_CODE:
        raise LabError(f"the code is {len(code):,} characters long; at most {MAX_CODE:,} run here")
    extend.forget_custom()
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(keepends=True), FILENAME)
    output = io.StringIO()
    namespace = {"__name__": "__lab__"}
    try:
        compiled = compile(code, FILENAME, "exec")
        with contextlib.redirect_stdout(output):
            exec(compiled, namespace)
    except Exception as exc:
        extend.forget_custom()
        raise LabError(explain(exc) or f"{type(exc).__name__}: {exc}") from None
    printed = output.getvalue()
    if len(printed) > MAX_OUTPUT:
        printed = printed[:MAX_OUTPUT] + "\n… (output cut)"
    return {"registered": extend.custom(), "output": printed}


def explain(exc: BaseException) -> str | None:
    """The traceback of ``exc`` from its first frame in the Lab's code on, or ``None`` if it did
    not pass through the Lab's code. A syntax error points at its line."""
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == FILENAME), None)
    if first is None:
        return None
    lines = ["Traceback (your code's lines):\n"]
    lines += traceback.format_list(frames[first:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def explain_traceback(text: str) -> str | None:
    """:func:`explain` for a traceback already formatted as text (as the browser's worker gets it)."""
    at = str(text).find(f'File "{FILENAME}"')
    if at < 0:
        return None
    start = text.rfind("\n", 0, at) + 1
    return "Traceback (your code's lines):\n" + text[start:].rstrip()
