"""Model factories: how to build an (untrained) architecture from a one-line spec.

One syntax for every command and API that takes a factory:

* ``"file.py:function"``: a Python file, relative to the current folder (or absolute);
* ``"package.module:function"``: an importable module; the current folder is searched first,
  so a ``models.py`` beside you works without ``PYTHONPATH=.``;
* ``"zoo:NAME"``: a named builder from a registered namespace (``zoo`` is
  ``harsanyi.zoo.get_model``; :func:`register_namespace` adds others).

A :class:`FactorySpec` records the folder it was written in, so worker processes (which may
start elsewhere) resolve it to the same function.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from torch import nn

__all__ = ["NAMESPACES", "FactorySpec", "register_namespace", "resolve_factory"]

#: Namespaces of named builders: ``"zoo:mlp5"`` calls ``harsanyi.zoo.get_model("mlp5", ...)``.
#: Values are ``"module:function"`` strings, imported on first use (so this layer does not
#: depend on the zoo, which sits above it).
NAMESPACES: dict[str, str] = {"zoo": "harsanyi.zoo.registry:get_model"}


def register_namespace(prefix: str, builder: str) -> None:
    """Make ``"PREFIX:NAME"`` call ``builder(NAME, **kwargs)`` (``builder`` is ``"module:fn"``).

    >>> register_namespace("mine", "harsanyi.zoo.registry:get_model")
    >>> resolve_factory("mine:mlp5")(in_features=3, n_classes=2).zoo_spec["name"]
    'mlp5'
    >>> del NAMESPACES["mine"]
    """
    if not prefix.isidentifier() or ":" not in builder:
        raise ValueError(f"register_namespace needs an identifier and 'module:function'; got "
                         f"{prefix!r}, {builder!r}")
    NAMESPACES[prefix] = builder


@contextmanager
def _search_path(folder: str | None) -> Iterator[None]:
    """Put ``folder`` first on ``sys.path`` for the duration of an import."""
    if folder is None or folder in sys.path:
        yield
        return
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        if folder in sys.path:
            sys.path.remove(folder)


def _module_from_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise ValueError(f"factory file {path} does not exist")
    name = "_harsanyi_factory_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pickling of objects defined in the file needs it
    try:
        with _search_path(str(path.parent)):
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _attribute(module: Any, where: str, attr: str) -> Callable[..., Any]:
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"{where} has no attribute {attr!r}{hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{where}:{attr} is not callable")
    return obj


def _split(target: str) -> tuple[str, str]:
    head, sep, attr = target.rpartition(":")
    if not sep or not head or not attr:
        raise ValueError(f"a model factory is written 'file.py:function', 'module:function' or "
                         f"'zoo:NAME'; got {target!r}")
    return head, attr


def _named_builder(prefix: str, name: str) -> Callable[..., nn.Module]:
    builder = resolve_factory(NAMESPACES[prefix])

    def build(**kw: Any) -> nn.Module:
        return builder(name, **kw)

    build.__name__ = f"{prefix}:{name}"
    return build


def resolve_factory(target: str, base: str | Path | None = None) -> Callable[..., Any]:
    """Return the callable named by ``target`` (see the module docstring for the syntax).

    ``base`` is the folder relative paths and modules are resolved from (default: the current
    folder).

    >>> resolve_factory("harsanyi.zoo.mlp:mlp5").__name__
    'mlp5'
    >>> resolve_factory("zoo:mlp5")(in_features=3, n_classes=2).zoo_spec["name"]
    'mlp5'
    """
    folder = Path(base) if base is not None else Path.cwd()
    head, attr = _split(target)
    if head in NAMESPACES:
        return _named_builder(head, attr)
    if head.endswith(".py"):
        path = Path(head) if Path(head).is_absolute() else folder / head
        return _attribute(_module_from_file(path.resolve()), head, attr)
    try:
        with _search_path(str(folder)):
            module = importlib.import_module(head)
    except ImportError as exc:
        raise ValueError(f"cannot import the factory module {head!r} (searched {folder} and "
                         f"sys.path): {exc}") from exc
    return _attribute(module, head, attr)


@dataclass(frozen=True)
class FactorySpec:
    """How to build the (untrained) architecture.

    How to build the (untrained) architecture: a factory spec (module docstring) with JSON
    keyword arguments. Picklable, so worker processes rebuild the same model; ``base`` is the
    folder the spec is resolved from (default: the current folder when the spec was made).

    >>> FactorySpec("harsanyi.zoo.mlp:MLP", {"in_features": 3, "n_classes": 2}).build().in_features
    3
    """

    target: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    base: str = field(default_factory=os.getcwd, compare=False)

    def build(self) -> nn.Module:
        """Call the factory; returns the model in eval mode."""
        fn = resolve_factory(self.target, self.base)
        model = fn(**self.kwargs)
        if not isinstance(model, nn.Module):
            raise TypeError(f"factory {self.target} returned {type(model).__name__}, "
                            "not a torch.nn.Module")
        return model.eval()

    def check(self) -> None:
        """Resolve the factory now, without building the model.

        Resolve the factory now (raises ``ValueError`` naming what is wrong), without
        building the model.
        """
        resolve_factory(self.target, self.base)

    def describe(self) -> dict[str, Any]:
        """JSON-safe description (for the run store's config)."""
        return {"factory": self.target, "kwargs": dict(self.kwargs)}
