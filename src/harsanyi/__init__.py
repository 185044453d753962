"""harsanyi: a deep network's knowledge as sparse AND-OR interaction primitives.

>>> import harsanyi as hs
>>> I = hs.and_or(hs.Game([0.0, 0.0, 0.0, 1.0]), q_bound=0.0, solver="exact", selection="vertex")
>>> I.get_top_k(1)
[('and', (0, 1), 1.0)]

The names below and the subpackages load on first use (PEP 562 ``__getattr__``), so that
``import harsanyi`` stays fast: ``hs.and_or`` imports the extraction layer, ``hs.Monitor``
the dynamics layer (and its scikit-learn), ``hs.theory`` SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from harsanyi._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load on first use
    from harsanyi import dynamics, metrics, theory, zoo
    from harsanyi.dynamics import Monitor, monitor_checkpoints
    from harsanyi.extract import Interactions, SparseInteractions, and_or, load_interactions, mobius
    from harsanyi.games import Game, model_game
    from harsanyi.store import RunStore

#: Public name -> the module that defines it.
_NAMES = {
    "Game": "harsanyi.games",
    "model_game": "harsanyi.games",
    "Interactions": "harsanyi.extract",
    "SparseInteractions": "harsanyi.extract",
    "load_interactions": "harsanyi.extract",
    "and_or": "harsanyi.extract",
    "mobius": "harsanyi.extract",
    "Monitor": "harsanyi.dynamics",
    "monitor_checkpoints": "harsanyi.dynamics",
    "RunStore": "harsanyi.store",
}
_SUBPACKAGES = ("cli", "core", "dynamics", "errors", "extract", "games", "metrics", "report",
                "store", "theory", "zoo")

__all__ = [
    "Game",
    "Interactions",
    "Monitor",
    "RunStore",
    "SparseInteractions",
    "__version__",
    "and_or",
    "dynamics",
    "load_interactions",
    "metrics",
    "mobius",
    "model_game",
    "monitor_checkpoints",
    "theory",
    "zoo",
]


def __getattr__(name: str) -> Any:
    """Load a public name or a subpackage on first use (PEP 562)."""
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"harsanyi.{name}")
    else:
        raise AttributeError(f"module 'harsanyi' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES) | set(_SUBPACKAGES))
