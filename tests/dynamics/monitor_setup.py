"""What the monitor tests share: the tiny MLP's factory, its players and a monitor maker.

A plain module (not ``conftest``): test modules import it by a name no other folder uses.
"""

from __future__ import annotations

from harsanyi.dynamics.monitor import Monitor
from harsanyi.games.players import Columns
from harsanyi.loading import FactorySpec

FACTORY = FactorySpec("zoo:mlp5", {"in_features": 10, "n_classes": 2, "width": 16})
PLAYERS = Columns([0, 1, 2, 3, 4, 5])
OPTS = {"players": PLAYERS, "kind": "and", "q_bound": 0.0, "samples_per_task": 4,
        "batch_size": 64}


def make_monitor(out, samples, **kw):
    """A Monitor of the shared samples with the test options (overridable)."""
    return Monitor(out, samples["inputs"], targets=samples["targets"], split=samples["split"],
                   sample_ids=samples["ids"], groups={"flipped": samples["flipped"]},
                   model=FACTORY, source="test", **{**OPTS, **kw})
