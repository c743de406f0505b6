"""pycore's own source, as the page's Code panel shows it: read from the installed package with
:mod:`inspect`, so that what people read is exactly what runs.

The site ships pycore's ``.py`` files next to their bytecode (``__pycache__``), so ``inspect`` finds
them in the browser as under CPython.
"""

from __future__ import annotations

import inspect
import textwrap
from importlib import import_module
from pathlib import Path

from . import extend
from .errors import ConfigError
from .messages import Message

# The parts of a training step, in the order they run: key -> (title, "module:qualified name").
STEP = {
    "affine": ("Affine layer: y = x·W + b", "pycore.layers:Affine"),
    "forward": ("The forward pass through every layer", "pycore.network:Network.activations"),
    "loss": ("Forward pass and loss", "pycore.network:Network.forward_loss"),
    "backward": ("Backpropagation", "pycore.network:Network.backward"),
    "step": ("One training step", "pycore.trainer:Trainer._step"),
}
GROUPS = {"activation": "Activations", "loss": "Losses", "optimizer": "Optimizers", "step": "The training step"}


def sections() -> list[dict]:
    """Every section the Code panel offers: ``{kind, name, title, group}``, in the panel's order
    (the built-in components of each kind, then the training step)."""
    out = [
        {"kind": kind, "name": name, "title": cls.__name__, "group": GROUPS[kind]}
        for kind, built_in in extend.BUILT_IN.items()
        for name, cls in built_in.items()
    ]
    out += [{"kind": "step", "name": key, "title": title, "group": GROUPS["step"]} for key, (title, _) in STEP.items()]
    return out


def code(kind: str, name: str) -> dict:
    """The source of one section: ``{kind, name, title, file, first_line, code}``; ``first_line``
    is the line of ``file`` (a path inside the package, e.g. ``pycore/layers.py``) where it starts."""
    if kind == "step":
        if name not in STEP:
            raise ConfigError("source.no_step", name=name)
        title, where = STEP[name]
        module, qualname = where.split(":")
        obj = import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    elif kind in extend.KINDS:
        obj = extend.BUILT_IN[kind].get(name)
        if obj is None and name in extend.KINDS[kind][0]:
            raise ConfigError("source.in_lab", kind=Message(f"component.{kind}"), name=name)
        if obj is None:
            raise ConfigError("source.no_such", kind=Message(f"component.{kind}"), name=name)
        title = obj.__name__
    else:
        raise ConfigError("source.no_kind", kind=kind)
    lines, first_line = inspect.getsourcelines(obj)
    path = Path(inspect.getsourcefile(obj))
    return {
        "kind": kind,
        "name": name,
        "title": title,
        "file": f"pycore/{path.name}",
        "first_line": first_line,
        "code": textwrap.dedent("".join(lines)),
    }
