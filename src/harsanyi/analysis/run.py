"""Every analysis of a run at once (:func:`analyse_run`), and storing them in ``RUN/analysis/``.

An analysis that cannot be computed (e.g. nothing salient yet in a tiny run) becomes a note
instead of an error, so that a report can still be written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harsanyi.analysis.decay import DecaySpindleRun, analyse_decay_spindle, decay_spindle_record
from harsanyi.analysis.faithfulness import Faithfulness, analyse_faithfulness
from harsanyi.analysis.fit import analyse_fit, theory_record
from harsanyi.analysis.folder import AnalysisFolder
from harsanyi.analysis.groups import analyse_groups, groups_record
from harsanyi.analysis.guard import exhaustive
from harsanyi.analysis.phases import analyse_phases, boundaries_record
from harsanyi.analysis.sampled import sampled_groups, sampled_tracking
from harsanyi.analysis.sparsity import analyse_sparsity
from harsanyi.analysis.tracking import Tracking, analyse_tracking
from harsanyi.dynamics.groups import FiveGroups
from harsanyi.dynamics.phases import PhaseAnalysis
from harsanyi.errors import HarsanyiError, SampledRunError
from harsanyi.store import RunArrays, RunStore
from harsanyi.store.union import SampledRunArrays
from harsanyi.theory.fit import TwoPhaseFit
from harsanyi.theory.sparsity_table import SparsityTable

__all__ = ["Analyses", "analyse_run", "save_analyses"]


@dataclass
class Analyses:
    """Results of :func:`analyse_run`.

    Results of :func:`analyse_run` on ``arrays`` (each ``None`` when it could not be
    computed, with the reason in ``notes``).
    """

    arrays: RunArrays | SampledRunArrays | None = None
    phases: PhaseAnalysis | None = None
    fit: TwoPhaseFit | None = None
    groups: FiveGroups | None = None
    decay_spindle: DecaySpindleRun | None = None
    sparsity: SparsityTable | None = None
    faithfulness: Faithfulness | None = None
    tracking: Tracking | None = None
    notes: list[str] = field(default_factory=list)


def _arrays_of(run: RunArrays | SampledRunArrays | RunStore | str | Path
               ) -> RunArrays | SampledRunArrays:
    if isinstance(run, (RunArrays, SampledRunArrays)):
        return run
    return (run if isinstance(run, RunStore) else RunStore.open(run)).arrays()


def analyse_run(run: RunArrays | SampledRunArrays | RunStore | str | Path, *, top_k: int = 100,
                fit_options: dict[str, Any] | None = None, save: bool = True) -> Analyses:
    """Run every analysis of a run on its arrays.

    Phase boundary and gap onset, the σ² fit (from that boundary), the five groups of each
    sample's ``top_k`` interactions, the decay/spindle split, the sparsity bound, the
    faithfulness and the tracking quality of a run, each computed once; ``save`` writes them
    to ``RUN/analysis/``
    (:func:`save_analyses`). ``fit_options`` go to :func:`~harsanyi.analysis.analyse_fit`.

    A sampled run (``--budget``) gets the five groups and the tracking quality on its curves
    refitted on the union of supports (:mod:`harsanyi.analysis.sampled`); every analysis that
    needs all ``2**n`` values is skipped with a note saying why.

    >>> from harsanyi.analysis.example import example_store
    >>> res = analyse_run(example_store(), top_k=5)
    >>> res.notes, res.phases.boundary_epoch, res.groups.labels.shape
    ([], 1, (4, 5))
    """
    res = Analyses()
    try:
        res.arrays = _arrays_of(run)
    except (HarsanyiError, ValueError) as exc:
        res.notes.append(f"The run store could not be read: {exc}")
        return res
    if isinstance(res.arrays, SampledRunArrays):
        _analyse_sampled(res, res.arrays, top_k)
    else:
        _analyse_exhaustive(res, res.arrays, top_k, fit_options)
    if save:
        save_analyses(res)
    return res


def _run_steps(res: Analyses, steps: list[tuple[str, str, Callable[[], Any]]]) -> None:
    for attr, what, fn in steps:
        try:
            setattr(res, attr, fn())
        except (HarsanyiError, ValueError) as exc:
            res.notes.append(f"The {what} could not be computed: {exc}")


def _analyse_sampled(res: Analyses, arr: SampledRunArrays, top_k: int) -> None:
    _run_steps(res, [("groups", "five groups", lambda: sampled_groups(arr, k=top_k)),
                     ("tracking", "tracking quality", lambda: sampled_tracking(arr))])
    for what in ("phase boundary", "two-phase σ² fit", "decay/spindle split", "sparsity bound",
                 "sparsity curves and matching error"):
        try:
            exhaustive(arr, f"the {what}")
        except SampledRunError as exc:
            res.notes.append(f"Skipped: {exc}.")


def _analyse_exhaustive(res: Analyses, arr: RunArrays, top_k: int,
                        fit_options: dict[str, Any] | None) -> None:
    steps: list[tuple[str, str, Callable[[], Any]]] = [
        ("phases", "phase boundary", lambda: analyse_phases(arr)),
        ("fit", "two-phase σ² fit",
         lambda: analyse_fit(arr, phases=res.phases, **(fit_options or {}))),
        ("groups", "five groups", lambda: analyse_groups(arr, k=top_k)),
        ("decay_spindle", "decay/spindle split", lambda: analyse_decay_spindle(arr)),
        ("sparsity", "sparsity bound", lambda: analyse_sparsity(arr)),
        ("faithfulness", "sparsity and matching error", lambda: analyse_faithfulness(arr)),
        ("tracking", "tracking quality", lambda: analyse_tracking(arr)),
    ]
    _run_steps(res, steps)


def save_analyses(res: Analyses) -> AnalysisFolder:
    """Write the stored parts of an analysis to ``RUN/analysis/``.

    Write the stored parts of ``res`` (boundaries, σ² fit, groups, decay/spindle) to
    ``RUN/analysis/`` of its run (see :mod:`harsanyi.analysis.folder` for the schema).
    """
    if res.arrays is None:
        raise ValueError("these analyses have no run arrays: nothing to save")
    folder = AnalysisFolder(res.arrays.path)
    if res.phases is not None:
        folder.write_boundaries(boundaries_record(res.phases))
    if res.fit is not None:
        folder.write_theory(theory_record(res.fit))
    if res.groups is not None:
        folder.write_groups(groups_record(res.groups, res.arrays.players))
    if res.decay_spindle is not None:
        folder.write_decay_spindle(decay_spindle_record(res.decay_spindle))
    return folder
