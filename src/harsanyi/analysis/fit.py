"""Paper A's σ² per checkpoint on a run: the two-phase model matched from the phase boundary.

Choices that are ours ([RECON]): the fit matches only the checkpoints from the detected
phase-2 start on (``start="boundary"``; paper A matches phase-2 epochs), on the test samples
when the run has some (paper A uses test samples).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from harsanyi.analysis.folder import TheoryRecord
from harsanyi.analysis.phases import analyse_phases
from harsanyi.dynamics.phases import PhaseAnalysis
from harsanyi.errors import TheoryInputError
from harsanyi.store import RunArrays, Split
from harsanyi.theory.fit import TwoPhaseFit, fit_two_phase

__all__ = ["analyse_fit", "theory_record"]


def _first_index(arr: RunArrays, start: int | str, phases: PhaseAnalysis | None) -> int:
    if start == "first":
        return 0
    if start == "boundary":
        b = (phases or analyse_phases(arr)).boundary
        return 0 if b is None else int(b)
    hits = np.flatnonzero(arr.epochs >= int(start))
    if hits.size == 0:
        raise TheoryInputError(f"no checkpoint at or after epoch {start} (last epoch "
                               f"{int(arr.epochs[-1])})")
    return int(hits[0])


def analyse_fit(
    arr: RunArrays,
    *,
    start: int | Literal["boundary", "first"] = "boundary",
    phases: PhaseAnalysis | None = None,
    final: int = -1,
    split: Split = "auto",
    and_only: bool = False,
    **options: Any,
) -> TwoPhaseFit:
    """Paper A's σ² per checkpoint (:func:`harsanyi.theory.fit_two_phase`) on a run's arrays.

    ``start``: the first epoch matched; ``"boundary"`` = the phase-2 start of ``phases`` (the
    run's :func:`~harsanyi.analysis.analyse_phases`, computed here when not given; every
    checkpoint when none is detected), ``"first"`` = every checkpoint. ``final``: index of the
    checkpoint that defines ``w*`` (default the last). ``options`` go to ``fit_two_phase``
    (``grid``, ``ratio``, ``monotone``, ``distance``...). The checkpoints of the result are
    ``"epoch_<e>"`` labels.

    >>> from harsanyi.analysis.example import example_store
    >>> fit = analyse_fit(example_store().arrays(), start="first")
    >>> fit.checkpoints[:2], bool(fit.sigma2[1] >= fit.sigma2[-1])
    (['epoch_0', 'epoch_1'], True)
    """
    K = arr.epochs.size
    if not -K <= final < K:
        raise TheoryInputError(f"final={final} is not a checkpoint index (K={K})")
    first = _first_index(arr, start, phases)
    final_abs = final % K
    if final_abs < first:
        raise TheoryInputError(f"the checkpoint defining w* (epoch {arr.epochs[final_abs]}) "
                               f"comes before the first matched one (epoch {arr.epochs[first]})")
    sub = arr.select(split)
    keep = slice(first, None)
    labels = [f"epoch_{int(e)}" for e in arr.epochs[keep]]
    return fit_two_phase(sub.and_values[keep], None if and_only else sub.or_values[keep],
                         sub.values[keep], final=final_abs - first, checkpoints=labels,
                         **options)


def theory_record(fit: TwoPhaseFit) -> TheoryRecord:
    """Return what ``theory.npz`` stores of a fit whose checkpoints are ``"epoch_<e>"`` labels."""
    epochs = np.array([float(c.removeprefix("epoch_")) for c in fit.checkpoints])
    return TheoryRecord(epochs, fit.real, fit.theo, fit.sigma2, fit.error)
