"""Tracking quality of a run: how much the split moves between checkpoints beside the model.

The AND-OR split is chosen by an optimisation problem; when that problem has several
near-equivalent solutions the split can move between consecutive checkpoints although the
network barely did. The plain Möbius (Harsanyi) interactions ``I(S) = Σ_{T⊆S} (−1)^{|S|−|T|}
v(x_T)`` of the same games involve no choice, so their change is the network's own. For each
pair of consecutive checkpoints this analysis gives the median over samples of the relative
L1 change and of the top-``k`` overlap, for the split and for the Möbius interactions
(:mod:`harsanyi.metrics.tracking`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harsanyi.analysis.guard import exhaustive
from harsanyi.core.transforms import mobius
from harsanyi.errors import ShapeError
from harsanyi.extract.solvers.canonical import stored_selection
from harsanyi.metrics.tracking import pooled, tracking_quality
from harsanyi.store import RunArrays

__all__ = ["Tracking", "analyse_tracking", "split_selection"]


@dataclass(frozen=True)
class Tracking:
    """Result of :func:`analyse_tracking`.

    Per pair of consecutive checkpoints (``start`` → ``end`` epochs): medians over samples of
    ``split_change``, ``mobius_change``, ``split_overlap`` and ``mobius_overlap`` (top-``k``);
    ``selection`` says how the split was chosen (from the run's configuration);
    ``reference`` names what the split is compared with (the ``mobius_*`` fields): the
    Möbius interactions, or for a sampled run the union-of-supports refit.
    """

    start: np.ndarray
    end: np.ndarray
    split_change: np.ndarray
    mobius_change: np.ndarray
    split_overlap: np.ndarray
    mobius_overlap: np.ndarray
    k: int
    selection: str
    reference: str = "Möbius"

    def table(self) -> pd.DataFrame:
        """Return one row per pair of consecutive checkpoints."""
        return pd.DataFrame({
            "from epoch": self.start, "to epoch": self.end,
            "split change": self.split_change, f"{self.reference} change": self.mobius_change,
            f"split top-{self.k} overlap": self.split_overlap,
            f"{self.reference} top-{self.k} overlap": self.mobius_overlap})

    def finding(self) -> str:
        """Return one sentence: the split's median change beside the model's own."""
        ratio = np.nanmedian(self.split_change / np.where(self.mobius_change > 0,
                                                           self.mobius_change, np.nan))
        return (f"Tracking quality ({self.selection} split): between consecutive checkpoints "
                f"the split changed by {np.median(self.split_change):.3g} (median relative L1) "
                f"where the {self.reference} interactions of the same games changed by "
                f"{np.median(self.mobius_change):.3g} (median ratio {ratio:.2g}); top-{self.k} "
                f"overlap {np.median(self.split_overlap):.2f} vs "
                f"{np.median(self.mobius_overlap):.2f}.")


def analyse_tracking(arr: RunArrays, *, k: int = 20) -> Tracking:
    """Compute the tracking quality of a run's split against its Möbius interactions.

    >>> from harsanyi.analysis.example import example_store
    >>> tr = analyse_tracking(example_store().arrays(), k=5)
    >>> len(tr.start) == len(tr.end) == example_store().arrays().epochs.size - 1
    True
    """
    arr = exhaustive(arr, "the Möbius tracking (use sampled_tracking)")
    if arr.epochs.size < 2:
        raise ShapeError("tracking quality needs at least two checkpoints")
    out = tracking_quality(pooled(arr.and_values, arr.or_values), pooled(mobius(arr.values)),
                           k=k)
    med = {name: np.median(values, axis=-1) for name, values in out.items()}
    return Tracking(start=arr.epochs[:-1], end=arr.epochs[1:],
                    split_change=med["split_change"], mobius_change=med["mobius_change"],
                    split_overlap=med["split_overlap"], mobius_overlap=med["mobius_overlap"],
                    k=int(k), selection=split_selection(arr.config))


def split_selection(config: dict) -> str:
    """Return how a run's split was chosen (``solver_options["selection"]``; ``"vertex"`` before).

    >>> split_selection({"solver_options": {"selection": "canonical"}}), split_selection({})
    ('canonical', 'vertex')
    """
    if config.get("kind") == "and":
        return "AND-only"
    return stored_selection(config.get("solver_options"))
