"""harsanyi: a deep network's knowledge as sparse AND-OR interaction primitives.

>>> import harsanyi as hs
>>> I = hs.and_or(hs.Game([0.0, 0.0, 0.0, 1.0]), q_bound=0.0, solver="exact", selection="vertex")
>>> I.get_top_k(1)
[('and', (0, 1), 1.0)]
"""

from harsanyi import dynamics, metrics, theory, zoo
from harsanyi._version import __version__
from harsanyi.dynamics import Monitor, monitor_checkpoints
from harsanyi.extract import Interactions, and_or, mobius
from harsanyi.games import Game, model_game
from harsanyi.store import RunStore

__all__ = [
    "Game",
    "Interactions",
    "Monitor",
    "RunStore",
    "__version__",
    "and_or",
    "dynamics",
    "metrics",
    "mobius",
    "model_game",
    "monitor_checkpoints",
    "theory",
    "zoo",
]
