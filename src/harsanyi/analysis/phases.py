"""Phase boundary and loss-gap onset of a run (papers A, B; our rules)."""

from __future__ import annotations

from harsanyi.analysis.folder import BoundariesRecord
from harsanyi.analysis.guard import exhaustive
from harsanyi.dynamics.phases import PhaseAnalysis, PhaseRule, two_phase
from harsanyi.store import RunArrays

__all__ = ["analyse_phases", "boundaries_record"]


def analyse_phases(arr: RunArrays, rule: PhaseRule | None = None, *,
                   boundary_split: str = "test") -> PhaseAnalysis:
    """Compute the distributions over orders, phase boundary and gap onset of a run.

    Distributions over orders per checkpoint, the phase boundary and the loss-gap onset of
    a run (:func:`harsanyi.dynamics.phases.two_phase` on its arrays; threshold
    ``τ_t = rule.ratio · E_x|v_t(N) − v_t(∅)|`` over all samples, ``reference="total"``).

    >>> from harsanyi.analysis.example import example_store
    >>> res = analyse_phases(example_store().arrays())
    >>> res.boundary_epoch, res.onset_epoch
    (1, 2)
    """
    arr = exhaustive(arr, "the phase boundary (distribution over orders)")
    return two_phase(arr.and_values, arr.or_values, arr.values, epochs=arr.epochs,
                     split=arr.split, train_loss=arr.train_loss, test_loss=arr.test_loss,
                     rule=rule, boundary_split=boundary_split)


def boundaries_record(res: PhaseAnalysis) -> BoundariesRecord:
    """Return what ``boundaries.json`` stores of a :class:`~harsanyi.dynamics.PhaseAnalysis`."""
    return BoundariesRecord(res.boundary_epoch, res.onset_epoch, res.distance)
