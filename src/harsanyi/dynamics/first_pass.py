"""What the monitor does over all checkpoints before it runs their tasks.

A game fitted over the whole run (paper C's feature components: their PCA spans every
checkpoint) is fitted in a first pass over the checkpoints' models, in order; the fitted state
is stored with the run, and checked against the store on resume. Warm starts chain over
consecutive checkpoints still to compute (:func:`warm_chains`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from harsanyi.errors import CheckpointError, StoreError
from harsanyi.loading import Checkpoint, FactorySpec, load_into
from harsanyi.store import RunStore

__all__ = ["fit_over_checkpoints", "needs_fit", "warm_chains"]


def needs_fit(game: Any) -> bool:
    """Return whether ``game`` is fitted over all checkpoints first and is not fitted yet.

    >>> from harsanyi.games import ComponentGame, ModelGame
    >>> needs_fit(ComponentGame("feature")), needs_fit(ModelGame())
    (True, False)
    """
    return callable(getattr(game, "fit", None)) and getattr(game, "components", 0) is None


def fit_over_checkpoints(game: Any, factory: FactorySpec, ckpts: Sequence[Checkpoint],
                         inputs: Any, store: RunStore) -> Any:
    """Fit ``game`` on every checkpoint's model, in order; store its components or check them.

    The components are written to ``store`` (``extra/directions``, ``mean``, ``eigenvalues``)
    on the first run; on resume, components that differ from the stored ones raise
    :class:`~harsanyi.errors.StoreError` (the checkpoints changed since the run started).
    """
    net = factory.build()

    def models() -> Iterator[Any]:
        for ck in ckpts:
            if ck.path is None:
                raise CheckpointError(f"checkpoint {ck.epoch} has no file")
            yield load_into(net, ck.path).eval()

    fitted = game.fit(models(), inputs)
    comp = fitted.components
    stored = store.read_array("directions")
    if stored is None:
        for name in ("directions", "mean", "eigenvalues"):
            store.write_array(name, getattr(comp, name))
    elif stored.shape != comp.directions.shape or not np.allclose(
            stored, comp.directions, atol=1e-8):
        raise StoreError(f"the feature components recomputed from the checkpoints differ "
                         f"from those stored in {store.path}: the checkpoints changed "
                         "since the run started; use another --out")
    return fitted


def warm_chains(todo: list[int], prev_of: dict[int, int | None]) -> list[list[int]]:
    """Split the epochs ``todo`` into chains of consecutive checkpoints (for warm starts).

    >>> warm_chains([1, 2, 4], {1: 0, 2: 1, 4: 3})
    [[1, 2], [4]]
    """
    chains: list[list[int]] = []
    for e in todo:
        if chains and prev_of[e] == chains[-1][-1]:
            chains[-1].append(e)
        else:
            chains.append([e])
    return chains
