"""The page's Lab: run a visitor's Python, which registers components with :mod:`pycore.extend`.

The code runs as a file named ``<lab>``, so a traceback's line numbers are the editor's. Each run
first forgets what the previous run registered, so the editor's code is what is registered.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import sys
import traceback
import warnings

import numpy as np

from . import extend
from .errors import ExtensionError
from .messages import Message, fields

FILENAME = "<lab>"
MAX_CODE = 100_000  # characters: far more than a component needs
MAX_OUTPUT = 10_000  # characters of print() output (and warnings) kept

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


class CappedOutput(io.TextIOBase):
    """A text stream that keeps the first ``MAX_OUTPUT`` characters written to it and counts the rest
    (a print loop must not fill the memory)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = MAX_OUTPUT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str | Message:
        """What was kept, and (as a message) how much was not."""
        kept = "".join(self.parts)
        return Message("lab.output_cut", output=kept, dropped=self.dropped) if self.dropped else kept


def run(code: str) -> dict:
    """Run ``code`` and return ``{registered: {kind: [names]}, output}`` (what it printed, and its
    warnings). What the previous run registered is forgotten first.

    All or nothing: on failure (:class:`LabError`, with the traceback of the visitor's own lines and
    what was printed before it) the components registered before this run are registered again, so
    the page's menus stay true.
    """
    code = str(code)
    if len(code) > MAX_CODE:
        raise LabError("lab.too_long", length=len(code), limit=MAX_CODE)
    before = extend.snapshot()
    extend.forget_custom()
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(keepends=True), FILENAME)
    output = CappedOutput()
    namespace = {"__name__": "__lab__"}
    try:
        compiled = compile(code, FILENAME, "exec")
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), warnings.catch_warnings():
            warnings.simplefilter("default")  # each warning once per line, into the output
            warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: output.write(
                warnings.formatwarning(message, category, filename, lineno, line)
            )
            exec(compiled, namespace)
    except BaseException as exc:  # SystemExit too: sys.exit() in the Lab must not leave half a run
        extend.restore(before)
        if isinstance(exc, KeyboardInterrupt):
            raise
        printed = output.text()
        printed = printed if isinstance(printed, Message) else printed.rstrip()
        said = explain(exc) or f"{type(exc).__name__}: {exc}"
        raise LabError("lab.failed_after_output" if printed else "lab.failed", output=printed, error=said) from None
    notes = []
    if extend.built_ins_changed():  # e.g. ACTIVATIONS.clear(): the menus must keep pycore's own
        extend.restore_built_ins()
        notes.append(Message("lab.built_ins_restored").to_dict())
    problem = core_broken()
    if problem:  # (it replaced NumPy's or pycore's own functions, say): nothing of it is kept
        extend.restore(before)
        raise LabError("lab.broke_pycore", error=problem)
    return {"registered": extend.custom(), **fields("output", output.text()), "notes": notes}


def core_broken() -> str | None:
    """What no longer works in pycore after the visitor's code ("TypeError: …"), or ``None``: a
    network is made, takes one training step, predicts, and (once Pillow is loaded) a drawing is
    read. Code may replace NumPy's or pycore's own functions; what it broke would otherwise only
    show later, as unexplained errors, and a restart would run it again."""
    from . import onestep, preprocess
    from .network import Network, NetworkConfig
    from .optimizers import make_optimizer

    try:
        rng = np.random.default_rng(0)
        network = Network(NetworkConfig(sizes=(784, 8, 3)), seed=0)
        onestep.watch_step(network, make_optimizer("momentum", 0.01, 0.9), rng.random((1, 784)), np.eye(3)[:1])
        network.predict(rng.random((2, 784)))
        if "PIL" in sys.modules:  # (the page loads Pillow just after "ready")
            rgba = np.zeros((28, 28, 4), dtype=np.uint8)
            rgba[6:22, 12:16] = 255
            preprocess.from_rgba(rgba.tobytes(), 28, 28)
    except Exception as exc:  # (whatever it is, it is the visitor's code's doing)
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def explain(exc: BaseException) -> str | Message | None:
    """The traceback of ``exc`` from its first frame in the Lab's code on (a ``lab.traceback``
    message: its heading is translated, Python's lines are not), or ``None`` if it did not pass
    through the Lab's code. A syntax error is Python's own lines, pointing at its line."""
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == FILENAME), None)
    if first is None:
        return None
    if getattr(exc, "key", None):  # pycore refused something (a component): its message, in the page's
        # language, after the visitor's own lines (pycore's inside is not theirs to fix)
        last = max(i for i, f in enumerate(frames) if f.filename == FILENAME)
        trace = "".join(traceback.format_list(frames[first : last + 1])).rstrip()
        return Message("lab.traceback_message", trace=trace, error=Message(exc.key, **exc.params))
    lines = traceback.format_list(frames[first:]) + traceback.format_exception_only(type(exc), exc)
    return Message("lab.traceback", trace="".join(lines).rstrip())


def explain_traceback(text: str) -> dict | None:
    """:func:`explain` for a traceback already formatted as text (as the browser's worker gets it),
    as the page receives a message (``{"key", "params", "text"}``)."""
    at = str(text).find(f'File "{FILENAME}"')
    if at < 0:
        return None
    start = text.rfind("\n", 0, at) + 1
    return Message("lab.traceback", trace=text[start:].rstrip()).to_dict()
