"""The guard of the analyses that need all ``2**n`` values of every game (not on sampled runs)."""

from __future__ import annotations

from typing import Any

from harsanyi.errors import SampledRunError
from harsanyi.store import RunArrays
from harsanyi.store.union import SampledRunArrays

__all__ = ["exhaustive"]


def exhaustive(arr: RunArrays | SampledRunArrays | Any, what: str) -> RunArrays:
    """Return ``arr`` if it holds all ``2**n`` values; a sampled run raises, naming ``what``.

    >>> from harsanyi.analysis.example import example_store
    >>> exhaustive(example_store().arrays(), "the phase boundary").n
    4
    """
    if isinstance(arr, SampledRunArrays):
        m = arr.masks_evaluated
        raise SampledRunError(
            f"{what} cannot run on a sampled run: it needs all 2**n = 2**{arr.n} values of "
            f"every game (every interaction of every order) and this run has {m} masks per "
            "sample and checkpoint; "
            "only the per-interaction analyses (five groups, tracking, top interactions) run "
            "on its curves refitted on the union of supports")
    return arr
