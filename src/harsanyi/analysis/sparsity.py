"""Paper E's sparsity bound at one checkpoint of a run.

Our choice ([RECON]): by default the bound uses the AND-only Harsanyi interactions of the
stored values (``interactions="harsanyi"``, paper E's setting, no noise term).
"""

from __future__ import annotations

from typing import Any, Literal

from harsanyi.analysis.guard import exhaustive
from harsanyi.core.transforms import mobius
from harsanyi.errors import TheoryInputError
from harsanyi.store import RunArrays, Split
from harsanyi.theory.sparsity_table import SparsityTable, sparsity_table

__all__ = ["analyse_sparsity"]


def analyse_sparsity(
    arr: RunArrays,
    *,
    epoch: int | None = None,
    split: Split = "all",
    interactions: Literal["harsanyi", "and"] = "harsanyi",
    **options: Any,
) -> SparsityTable:
    """Compute paper E's sparsity bound of a run at one checkpoint.

    Paper E's bound (:func:`harsanyi.theory.sparsity_table`) at checkpoint ``epoch``
    (default the last). ``interactions="harsanyi"`` uses ``I(S) = Σ_{T⊆S} (−1)^{|S|−|T|}
    v(x_T)`` of the stored values; ``"and"`` the stored AND part of the AND-OR split.
    ``options`` go to ``sparsity_table`` (``ratio``, ``M``, ``vn_threshold``...).

    >>> from harsanyi.analysis.example import example_store
    >>> table = analyse_sparsity(example_store().arrays(), split="test")
    >>> table.summary["samples"], table.summary["real_mean"] > 0
    (2, True)
    """
    arr = exhaustive(arr, "the sparsity bound")
    done = [int(e) for e in arr.epochs]
    e = done[-1] if epoch is None else int(epoch)
    if e not in done:
        raise TheoryInputError(f"epoch {e} is not stored in {arr.path}; stored epochs: "
                               f"{done[0]}..{done[-1]} ({len(done)} checkpoints)")
    sub = arr.select(split)
    t = done.index(e)
    v = sub.values[t]
    if interactions == "harsanyi":
        I = mobius(v)
    elif interactions == "and":
        I = sub.and_values[t]
    else:
        raise TheoryInputError(f"interactions must be 'harsanyi' or 'and'; got {interactions!r}")
    return sparsity_table(I, v, **options)
