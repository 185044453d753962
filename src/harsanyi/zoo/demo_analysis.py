"""The analyses and the report of a demo run store (used by :mod:`harsanyi.zoo.demo`).

Every analysis reads the run store through :mod:`harsanyi.theory.from_store` and writes its
result to ``RUN/analysis/`` for the report builder; one that cannot be computed (e.g. nothing
salient yet in a tiny run) becomes a note in the report instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Analyses", "analyse_run", "findings_lines", "sparsity_note", "write_report"]


@dataclass
class Analyses:
    """Results of :func:`analyse_run`.

    Results of :func:`analyse_run` (each ``None`` when it could not be computed, with the
    reason in ``notes``).
    """

    phases: Any = None
    fit: Any = None
    groups: Any = None
    decay_spindle: Any = None
    sparsity: Any = None
    notes: list[str] = field(default_factory=list)


def analyse_run(run_dir: Path, top_k: int = 100) -> Analyses:
    """Run every analysis of a run store and write the results.

    Phase boundary and gap onset, the σ² fit, the five groups, the decay/spindle split and
    the sparsity bound of a run store; results are written to ``run_dir/analysis/``.

    The σ² grid goes down to 1e-9 (docs/theory.md#sigma2-fit stops at 1e-6): at n = 10 a σ² of
    1e-6 still damps orders ≥ 8 visibly, so the last checkpoints (where ``ŵ → w*``) need smaller
    values.

    >>> from harsanyi.theory.from_store import _example_store
    >>> res = analyse_run(_example_store().path, top_k=5)
    >>> res.notes, res.phases.boundary_epoch, res.groups.labels.shape
    ([], 1, (4, 5))
    """
    from harsanyi.errors import HarsanyiError
    from harsanyi.theory import from_store as fs
    from harsanyi.theory.fit import log_grid

    res = Analyses()
    try:
        arr = fs.read_run(run_dir)
    except (HarsanyiError, ValueError) as exc:
        res.notes.append(f"The run store could not be read: {exc}")
        return res
    steps: list[tuple[str, str, Callable[[], Any]]] = [
        ("phases", "phase boundary", lambda: fs.phases_run(arr)),
        ("fit", "two-phase σ² fit",
         lambda: fs.fit_run(arr, start="boundary", grid=log_grid(1e-9, 10.0, 250))),
        ("groups", "five groups", lambda: fs.groups_run(arr, k=top_k)),
        ("decay_spindle", "decay/spindle split", lambda: fs.disentangle_run(arr)),
        ("sparsity", "sparsity bound", lambda: fs.sparsity_run(arr)),
    ]
    for attr, what, fn in steps:
        try:
            setattr(res, attr, fn())
        except (HarsanyiError, ValueError) as exc:
            res.notes.append(f"The {what} could not be computed: {exc}")
    return res


def findings_lines(a: Analyses) -> list[str]:
    """Return the three findings printed at the end of the demo.

    The three findings printed at the end of the demo: phase boundary vs gap onset, the
    fitted σ² range, the group counts.

    >>> findings_lines(Analyses())[0]
    'Phase boundary: not detected; loss-gap onset: not detected.'
    """
    from harsanyi.dynamics.groups import GROUPS

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


def sparsity_note(table: Any) -> str:
    """One sentence on paper E's bound at the last checkpoint.

    >>> from harsanyi.theory.from_store import _example_store, sparsity_run
    >>> sparsity_note(sparsity_run(_example_store()))[:40]
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


def write_report(out: Path, run_dir: Path, title: str, header: dict[str, Any],
                 notes: list[str], image: Any = None, boxes: Any = None) -> Path:
    """Write the report of ``run_dir`` into ``out``.

    The report of ``run_dir`` (with its ``analysis/``) into ``out``: the run store's
    summary (:func:`harsanyi.report.load_summary`) with ``header`` shown as the configuration,
    ``notes`` added to the findings and, for images, the patch maps of ``image`` with
    ``boxes`` ``(y0, x0, y1, x1)`` per player.

    >>> import tempfile
    >>> from harsanyi.theory.from_store import _example_store
    >>> out = Path(tempfile.mkdtemp())
    >>> write_report(out, _example_store().path, "Example", {}, [])  # doctest: +SKIP
    """
    from harsanyi.report import load_summary, report_from_summary

    summary = load_summary(run_dir)
    summary.config = header
    summary.notes = list(summary.notes) + list(notes)
    if image is not None and boxes is not None:
        summary.image, summary.patch_boxes = image, boxes
    return report_from_summary(summary, out, force=True, title=title,
                               run=str(run_dir))
