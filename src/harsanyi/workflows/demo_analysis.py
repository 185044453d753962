"""The analyses of a demo run store and its report.

The analyses of a demo run store and its report (used by :mod:`harsanyi.workflows.demo`), and the
glue from analysis results to the report (:func:`run_summary`, :func:`report_from_run`).

Every number is computed once by :mod:`harsanyi.analysis` on the run store's arrays; the
report (:mod:`harsanyi.report`) only renders the :class:`~harsanyi.report.RunSummary` built
here. An analysis that cannot be computed (e.g. nothing salient yet in a tiny run) becomes a
note in the report instead of an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from harsanyi import analysis as an
from harsanyi.dynamics.groups import GROUPS
from harsanyi.dynamics.phases import PhaseRule
from harsanyi.games.explained import explained_note
from harsanyi.report import (
    DecaySpindle,
    GroupSummary,
    RunSummary,
    TheoryFit,
    report_from_summary,
)
from harsanyi.store import RunArrays, RunStore
from harsanyi.theory.fit import log_grid
from harsanyi.theory.sparsity_table import SparsityTable
from harsanyi.workflows.sampled_report import sampled_summary

__all__ = [
    "analyse_run",
    "findings_lines",
    "load_summary",
    "report_from_run",
    "run_summary",
    "sparsity_note",
    "write_report",
]


def analyse_run(run_dir: Path, top_k: int = 100) -> an.Analyses:
    """Run every analysis of a demo run and write it to ``run_dir/analysis/``.

    Every analysis of a demo run (:func:`harsanyi.analysis.analyse_run`), written to
    ``run_dir/analysis/``.

    The σ² grid goes down to 1e-9 (docs/theory.md#sigma2-fit stops at 1e-6): at n = 10 a σ² of 1e-6
    still damps orders ≥ 8 visibly, so the last checkpoints (where ``ŵ → w*``) need smaller
    values.

    >>> from harsanyi.analysis import example_store
    >>> res = analyse_run(example_store().path, top_k=5)
    >>> res.notes, res.phases.boundary_epoch, res.groups.labels.shape
    ([], 1, (4, 5))
    """
    return an.analyse_run(run_dir, top_k=top_k, fit_options={"grid": log_grid(1e-9, 10.0, 250)})


def findings_lines(a: an.Analyses) -> list[str]:
    """Return the three findings printed at the end of the demo.

    The three findings printed at the end of the demo: phase boundary vs gap onset, the
    fitted σ² range, the group counts.

    >>> findings_lines(an.Analyses())[0]
    'Phase boundary: not detected; loss-gap onset: not detected.'
    """
    ph = a.phases
    pb = None if ph is None else ph.boundary_epoch
    go = None if ph is None else ph.onset_epoch
    line1 = (f"Phase boundary: {'not detected' if pb is None else f'epoch {pb}'}; loss-gap "
             f"onset: {'not detected' if go is None else f'epoch {go}'}")
    line1 += f"; distance {ph.distance} epochs." if pb is not None and go is not None else "."
    if a.fit is not None:
        s2 = a.fit.sigma2
        eps = [c.removeprefix("epoch_") for c in a.fit.checkpoints]
        line2 = (f"Fitted σ² (epochs {eps[0]}..{eps[-1]}): {s2[0]:.2g} -> {s2[-1]:.2g} "
                 f"(range {s2.min():.2g}..{s2.max():.2g}; mean L1 error "
                 f"{float(np.mean(a.fit.error)):.3f}).")
    else:
        line2 = "Fitted σ²: not available."
    if a.groups is not None:
        c = a.groups.counts()
        k = a.groups.labels.shape[1]
        line3 = (f"Five groups (mean count among each sample's top {k}): "
                 + ", ".join(f"{g} {c[g]:.1f}" for g in GROUPS) + ".")
    else:
        line3 = "Five groups: not available."
    return [line1, line2, line3]


def sparsity_note(table: SparsityTable) -> str:
    """One sentence on paper E's bound at the last checkpoint.

    >>> from harsanyi.analysis import analyse_sparsity, example_store
    >>> sparsity_note(analyse_sparsity(example_store().arrays()))[:40]
    "Paper E's sparsity bound at the last che"
    """
    s = table.summary
    if not s.get("bounded"):
        return ("Paper E's sparsity bound (last checkpoint, AND-only Harsanyi interactions): no "
                f"sample qualifies ({s['monotone']} of {s['samples']} satisfy Assumption 2).")
    return (f"Paper E's sparsity bound at the last checkpoint (AND-only Harsanyi interactions, "
            f"τ = 0.05·max|I|): at most {s['bound_mean']:.1f} ± {s['bound_std']:.1f} salient "
            f"interactions predicted vs {s['real_mean']:.1f} ± {s['real_std']:.1f} found "
            f"({s['bounded']} of {s['samples']} samples bounded; p + δ = "
            f"{s['p_plus_delta_mean']:.2f}).")


def _stored_parts(folder: an.AnalysisFolder, k: int, n: int,
                  notes: list[str]) -> dict[str, Any]:
    """Return the results stored in ``RUN/analysis/`` that fit a run, as report parts.

    The results stored in ``RUN/analysis/`` that fit a run of ``k`` checkpoints and ``n``
    players, as report parts; a stored result that does not fit becomes a note.
    """
    out: dict[str, Any] = {}
    th = folder.read_theory()
    if th is not None and th.real.shape[-1] != n:
        notes.append(f"The stored theory fit has {th.real.shape[-1]} orders, the run has "
                     f"n={n}; recompute it.")
    elif th is not None:
        out["theory"] = TheoryFit(th.epochs, th.real, th.theo, th.sigma2, th.error)
    gr = folder.read_groups()
    if gr is not None and gr.curves.shape[1] == k:
        out["groups"] = GroupSummary.thinned(gr.labels, gr.curves, gr.counts_by_order,
                                             gr.names)
    elif gr is not None:
        notes.append(f"The stored group curves cover {gr.curves.shape[1]} checkpoints but "
                     f"the run has {k}; recompute them.")
    ds = folder.read_decay_spindle()
    if ds is not None and ds.decay.shape == (k, n):
        out["decay_spindle"] = DecaySpindle(ds.decay, ds.spindle, ds.real)
    elif ds is not None:
        notes.append(f"The stored decay/spindle parts have shape {ds.decay.shape}, the run "
                     f"needs {(k, n)}; recompute them.")
    return out


def _computed_parts(res: an.Analyses) -> dict[str, Any]:
    """Return the report parts of the analyses in ``res`` (those that were computed)."""
    out: dict[str, Any] = {}
    if res.fit is not None:
        th = an.theory_record(res.fit)
        out["theory"] = TheoryFit(th.epochs, th.real, th.theo, th.sigma2, th.error)
    if res.groups is not None and res.arrays is not None:
        gr = an.groups_record(res.groups, res.arrays.players)
        out["groups"] = GroupSummary.thinned(gr.labels, gr.curves, gr.counts_by_order,
                                             gr.names, per_sample=gr.per_sample)
    if res.decay_spindle is not None:
        ds = res.decay_spindle
        out["decay_spindle"] = DecaySpindle(ds.decay, ds.spindle, ds.real)
    return out


def _epoch(e: Any) -> float | None:
    return None if e is None else float(e)


def run_summary(res: an.Analyses, *, folder: an.AnalysisFolder | None = None,
                top_k: int = 10, top_samples: int = 3, group_top: int = 100) -> RunSummary:
    """Build the :class:`~harsanyi.report.RunSummary` of analyses ``res``.

    The :class:`~harsanyi.report.RunSummary` of analyses ``res`` (which must have the run's
    ``arrays`` and ``phases``): parts ``res`` lacks are read from ``folder``
    (``RUN/analysis/``) when given; the five groups (``group_top`` per sample) and the
    faithfulness are computed when neither has them. The phase boundary and gap onset are
    those of ``res.phases``, unless ``boundaries.json`` in ``folder`` holds other epochs.

    >>> from harsanyi.analysis import example_store
    >>> s = run_summary(analyse_run(example_store().path))
    >>> s.phase_boundary, s.distribution.shape, s.theory is not None
    (1.0, (6, 4), True)
    """
    arr, ph = res.arrays, res.phases
    if arr is None or ph is None:
        raise ValueError("a run summary needs the run's arrays and its phases")
    last = RunStore.open(arr.path).read(int(arr.epochs[-1])).attrs.get("metadata", {})
    explained = explained_note(last.get("v_full"), last.get("f_x"))  # v(N) beside f(x)
    notes: list[str] = []
    parts = {} if folder is None else _stored_parts(folder, arr.epochs.size, arr.n, notes)
    if explained is not None:
        notes.append(explained)
    tracking = res.tracking
    if tracking is None and arr.epochs.size > 1:
        tracking = an.analyse_tracking(arr)
    if tracking is not None:
        notes.append(tracking.finding())
    parts |= _computed_parts(res)
    if "groups" not in parts:
        gr = an.groups_record(an.analyse_groups(arr, k=group_top), arr.players)
        parts["groups"] = GroupSummary.thinned(gr.labels, gr.curves, gr.counts_by_order,
                                               per_sample=gr.per_sample)
    faith = res.faithfulness or an.analyse_faithfulness(arr)
    prof = ph.profiles["all"]
    bounds = (None if folder is None else folder.read_boundaries()) or {}
    return RunSummary(
        epochs=arr.epochs.astype(np.float64), players=arr.players, name=arr.path.name,
        config={**arr.config, "samples": arr.values.shape[1]},
        train_loss=arr.train_loss, test_loss=arr.test_loss, strength_pos=prof.pos,
        strength_neg=prof.neg, distribution=prof.real,
        phase_boundary=_epoch(bounds.get("phase_boundary", ph.boundary_epoch)),
        gap_onset=_epoch(bounds.get("gap_onset", ph.onset_epoch)), **parts,
        sparsity_curves=faith.sparsity_curves, matching_alphas=faith.alphas,
        matching_errors=faith.errors, alpha_hat=faith.alpha_hat,
        top_interactions=an.top_interactions_table(arr, top_k, top_samples), notes=notes)


def load_summary(run_dir: str | Path, *, ratio: float = 0.03, top_k: int = 10,
                 top_samples: int = 3, group_top: int = 100) -> RunSummary:
    """Load the summary of a run store and of the results stored in its ``analysis/`` folder.

    ``ratio``: salient threshold ``τ_t = ratio·E_x|v_t(N) − v_t(∅)|`` of the phases;
    ``top_k`` interactions of the first ``top_samples`` samples go to the table; ``group_top``
    interactions per sample are sorted into the five groups when none are stored. Raises
    :class:`~harsanyi.errors.StoreError` if ``run_dir`` is not a run store or holds no
    finished checkpoint. A sampled run (``--budget``) gets :func:`sampled_summary`.
    """
    store = RunStore.open(run_dir)
    if store.sampled:
        return sampled_summary(store, top_k=top_k, top_samples=top_samples,
                               group_top=group_top)
    arr = store.arrays()
    assert isinstance(arr, RunArrays)  # an exhaustive run (sampled ones returned above)
    res = an.Analyses(arrays=arr, phases=an.analyse_phases(arr, PhaseRule(ratio=ratio)))
    return run_summary(res, folder=an.AnalysisFolder(run_dir), top_k=top_k,
                       top_samples=top_samples, group_top=group_top)


def report_from_run(run_dir: str | Path, out_dir: str | Path, force: bool = False) -> Path:
    """Write the HTML report of a run store to ``out_dir``; returns ``out_dir/index.html``.

    Parts without results (no theory fit, no decay/spindle split...) are reported in the page
    with the command that computes them.

    >>> import tempfile
    >>> from harsanyi.analysis import example_store
    >>> report_from_run(example_store().path, tempfile.mkdtemp() + "/report").name
    'index.html'
    """
    return report_from_summary(load_summary(run_dir), out_dir, force, run=str(run_dir))


def write_report(out: Path, run_dir: Path, title: str, header: dict[str, Any],
                 notes: list[str], image: Any = None, boxes: Any = None, *,
                 analyses: an.Analyses | None = None) -> Path:
    """Write the report of ``run_dir`` into ``out``.

    The report of ``run_dir`` into ``out``: the summary of ``analyses`` (computed once by
    :func:`analyse_run`; else :func:`load_summary` of the store) with ``header`` shown as the
    configuration, ``notes`` added to the findings and, for images, the patch maps of
    ``image`` with ``boxes`` ``(y0, x0, y1, x1)`` per player.
    """
    if analyses is not None and analyses.arrays is not None and analyses.phases is not None:
        summary = run_summary(analyses, folder=an.AnalysisFolder(run_dir))
    else:
        summary = load_summary(run_dir)
    summary.config = header
    summary.notes = list(summary.notes) + list(notes)
    if image is not None and boxes is not None:
        summary.image, summary.patch_boxes = image, boxes
    return report_from_summary(summary, out, force=True, title=title, run=str(run_dir))
