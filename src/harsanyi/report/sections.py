"""Assemble the report's sections, findings and header from a :class:`RunSummary`.

Six sections, each present even when its data is missing (it then says what is missing and
the command that computes it): ``dynamics``, ``theory``, ``groups``, ``generalization``,
``faithfulness``, ``top-interactions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harsanyi.metrics import mean_order
from harsanyi.report import figures as F
from harsanyi.report.findings import findings_from_summary, header_config, how_to
from harsanyi.report.html import ReportFigure, ReportTable, Section, build_report
from harsanyi.report.sampled_sections import sampled_sections
from harsanyi.report.style import GROUP_NAMES, new_figure
from harsanyi.report.summary import RunSummary

__all__ = ["report_from_summary", "sections_from_summary"]


def _at_marks(frame: pd.DataFrame, s: RunSummary) -> pd.DataFrame:
    """Return the rows of a per-checkpoint ``frame`` at the selected epochs and boundaries."""
    marks = list(s.selection()) + [e for e in (s.phase_boundary, s.gap_onset) if e is not None]
    return frame[[bool(np.isclose(e, marks).any()) for e in frame["epoch"]]]


def _dynamics(s: RunSummary, run: str) -> Section:
    sec = Section("dynamics", "Interactions over training",
                  "How the strength of salient interactions is spread over orders at each "
                  "checkpoint, next to the loss curves. Paper B's two phases: the first removes "
                  "the spindle-shaped interactions of initialisation and concentrates on low "
                  "orders; in the second, higher orders grow while the train-test gap widens.")
    dist = s.real_distribution()
    sel = s.selection()
    if dist is not None or s.has_losses:
        rows = int(dist is not None) + int(s.has_losses)
        fig, axes = new_figure(1, rows, width=7.2, height=2.9 * rows, sharex=True)
        r = 0
        if dist is not None:
            F.plot_distribution_over_checkpoints(dist, s.epochs, ax=axes[0, 0], style="heatmap")
            for e, ls in ((s.phase_boundary, "-"), (s.gap_onset, "-.")):
                if e is not None:
                    axes[0, 0].axvline(e, color="white", linestyle=ls, linewidth=1.0)
            r = 1
        if s.has_losses:
            F.plot_losses(s.epochs, s.train_loss, s.test_loss, s.phase_boundary, s.gap_onset,
                          ax=axes[r, 0])
        if rows == 2:
            axes[0, 0].set_xlabel("")
        sec.figures.append(ReportFigure(fig, (
            "**Top:** normalised strength I^{(k)}_{real} of salient interactions at each order k "
            "(colour) over epochs; the white line is the mean order. " if dist is not None
            else "") + ("**Bottom:** " if rows == 2 else "") + (
            "training and testing loss and their gap; vertical lines mark the detected start "
            "of the second phase (solid) and the gap onset (dash-dot)." if s.has_losses
            else ""), "distribution-and-losses"))
    if dist is not None:
        sec.figures.append(ReportFigure(
            F.plot_distribution_over_checkpoints(dist, s.epochs, sel).figure,
            "Distribution over orders at the selected checkpoints (dark = early, light = late).",
            "distribution-selected"))
    if s.strength_pos is not None:
        idx = [int(np.argmin(np.abs(s.epochs - e))) for e in sel]
        fig, axes = new_figure(len(idx), 1, width=min(2.2 * len(idx), 12), height=2.8,
                               sharey=True)
        for ax, i in zip(axes[0], idx, strict=True):
            F.plot_order_distribution(s.strength_pos[i], s.strength_neg[i], ax=ax,
                                      title=f"epoch {s.epochs[i]:g}")
            ax.get_legend().remove()
            if ax is not axes[0, 0]:
                ax.set_ylabel("")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside upper center",
                   ncols=2, frameon=False)
        sec.figures.append(ReportFigure(fig, (
            "Strength of salient positive (up) and negative (down) interactions of each order, "
            "A^{(k)+} and A^{(k)−} (log-odds units, averaged over samples), at the selected "
            "checkpoints."), "strength-by-order"))
    table: dict[str, Any] = {"epoch": s.epochs}
    if s.has_losses:
        table |= {"train_loss": s.train_loss, "test_loss": s.test_loss,
                  "gap": s.test_loss - s.train_loss}
    if dist is not None:
        table |= {"mean_order": s.mean_order(), "high_order_mass(k>=3)": dist[:, 2:].sum(axis=1)}
    if s.strength_pos is not None:
        table |= {"A_pos_total": s.strength_pos.sum(axis=1),
                  "A_neg_total": -np.abs(s.strength_neg).sum(axis=1)}
    frame = pd.DataFrame(table)
    sec.tables.append(ReportTable(frame, "Per-checkpoint summary at the selected checkpoints "
                                  "and the detected boundaries.", "checkpoints",
                                  display=_at_marks(frame, s)))
    if dist is None:
        sec.missing.append(f"No interactions per checkpoint: run `{how_to('monitor', run)}`.")
    if not s.has_losses:
        sec.missing.append("No loss curves were recorded with the checkpoints, so the gap onset "
                           "cannot be shown.")
    return sec


def _theory(s: RunSummary, run: str) -> Section:
    sec = Section("theory", "Two-phase model: real vs theoretical distributions",
                  "Paper A explains the second phase as ridge regression towards the final "
                  "interactions under a shrinking noise level σ²: ŵ = (JᵀJ + 2ⁿ diag(c))⁻¹ JᵀJ "
                  "w*, c_{T} = 2^{|T|} σ². σ² is fitted per checkpoint to match the real "
                  "distribution (our rule: L1 distance on a log grid, non-increasing in time).")
    th = s.theory
    if th is None:
        sec.missing.append(f"This run store has no theory fit. Compute it with "
                           f"`{how_to('theory', run)}`, then rebuild the report with "
                           f"`harsanyi report {run} --out DIR`.")
        return sec
    pick = np.unique(np.round(np.linspace(0, th.epochs.size - 1, min(4, th.epochs.size))))
    fig, axes = new_figure(pick.size + 1, 1, width=min(3.0 * (pick.size + 1), 13), height=3.0)
    for ax, i in zip(axes[0], pick.astype(int), strict=False):
        F.plot_real_vs_theory(th.real[i], th.theo[i], th.sigma2[i], ax=ax, epoch=th.epochs[i])
    F.plot_sigma2(th.epochs, th.sigma2, ax=axes[0, -1])
    axes[0, -1].set_title("fitted σ² over epochs")
    sec.figures.append(ReportFigure(fig, (
        "Real distribution I^{(k)}_{real} (bars) and the two-phase model's I^{(k)}_{theo} at the "
        "fitted σ² (line) at chosen checkpoints; right: fitted σ² per epoch (log scale)."),
        "real-vs-theory"))
    cols: dict[str, Any] = {"epoch": th.epochs, "sigma2": th.sigma2}
    if th.error is not None:
        cols["l1_distance"] = th.error
    for k in range(s.n):
        cols[f"real_k{k + 1}"] = th.real[:, k]
    for k in range(s.n):
        cols[f"theo_k{k + 1}"] = th.theo[:, k]
    cols["mean_order_real"] = mean_order(th.real)
    cols["mean_order_theo"] = mean_order(th.theo)
    frame = pd.DataFrame(cols)
    brief = ["epoch", "sigma2", "mean_order_real", "mean_order_theo"] + (
        ["l1_distance"] if th.error is not None else [])
    sec.tables.append(ReportTable(frame, "Fitted σ² per checkpoint, with the mean order of "
                                  "both distributions (the CSV has every order).",
                                  "sigma2-fit", display=frame[brief]))
    return sec


def _groups(s: RunSummary, run: str) -> Section:
    sec = Section("groups", "Five groups of interaction dynamics",
                  "The strongest interactions over training are sorted into paper C's five "
                  "groups: reliable (learned and kept), withdrawn (learned then weakened), "
                  "forgotten (from initialisation, fading), betraying (sign flips) and "
                  "fluctuating. The decision thresholds are ours (paper C's appendix is not "
                  "public).")
    g = s.groups
    if g is None:
        sec.missing.append(f"No group classification is stored: run `{how_to('groups', run)}`.")
        return sec
    totals = g.counts()
    fig, axes = new_figure(len(GROUP_NAMES), 1, width=12.5, height=2.6, sharey=True)
    for ax, name in zip(axes[0], GROUP_NAMES, strict=True):
        rows = [i for i, lab in enumerate(g.labels) if lab == name]
        F.plot_group_curves(g.curves[rows], [name] * len(rows),
                            s.epochs, ax=ax)
        ax.set_title(f"{name} ({totals[name]})")
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if ax is not axes[0, 0]:
            ax.set_ylabel("")
    sec.figures.append(ReportFigure(fig, (
        "Tracked interactions over epochs, each divided by its largest magnitude, one panel "
        "per group (count in the title" + ("; a subset of the curves is drawn)."
                                           if g.totals is not None else ").")),
        "group-curves"))
    counts = pd.DataFrame({"group": list(GROUP_NAMES),
                           "count": [totals[n] for n in GROUP_NAMES]})
    if g.per_sample:
        counts["per_sample"] = counts["count"] / g.per_sample
    if g.counts_by_order is not None:
        sec.figures.append(ReportFigure(F.plot_group_counts_by_order(g.counts_by_order).figure,
                                        "Group of the tracked interactions by order (average "
                                        "count per sample).", "group-counts-by-order"))
        for k in range(s.n):
            counts[f"k{k + 1}"] = g.counts_by_order[:, k]
    sec.tables.append(ReportTable(counts, "Interactions per group (total, and average per "
                                  "sample at each order k when known).", "group-counts"))
    return sec


def _generalization(s: RunSummary, run: str) -> Section:
    sec = Section("generalization", "Decay and spindle parts",
                  "Paper D splits the strength by order into a decay-shaped part (generalisable "
                  "interactions) and a spindle-shaped part (non-generalisable ones, the shape of "
                  "random interactions). Over-fitting shows up as a growing spindle part.")
    ds = s.decay_spindle
    if ds is None:
        sec.missing.append(f"No decay/spindle decomposition is stored: run "
                           f"`{how_to('generalization', run)}`.")
        return sec
    fig, axes = new_figure(2, 1, width=10, height=3.2, width_ratios=[1.6, 1])
    F.plot_decay_spindle(ds.decay, ds.spindle, s.epochs, ax=axes[0, 0], real=ds.real)
    for e, ls in ((s.phase_boundary, "-"), (s.gap_onset, "-.")):
        if e is not None:
            axes[0, 0].axvline(e, color="#7F7F7F", linestyle=ls, linewidth=0.8)
    F.plot_decay_spindle_profile(ds.decay[-1], ds.spindle[-1],
                                 None if ds.real is None else ds.real[-1], ax=axes[0, 1],
                                 epoch=s.epochs[-1])
    sec.figures.append(ReportFigure(fig, (
        "Left: total strength of the decay and spindle parts per epoch (grey lines: phase "
        "boundary and gap onset). Right: both parts by order at the last checkpoint, stacked, "
        "with the real strength."), "decay-spindle"))
    frame = pd.DataFrame({"epoch": s.epochs, "decay_total": np.abs(ds.decay).sum(axis=1),
                          "spindle_total": np.abs(ds.spindle).sum(axis=1)})
    frame["spindle_share"] = frame["spindle_total"] / (frame["decay_total"]
                                                       + frame["spindle_total"])
    for k in range(s.n):
        frame[f"decay_k{k + 1}"] = ds.decay[:, k]
    for k in range(s.n):
        frame[f"spindle_k{k + 1}"] = ds.spindle[:, k]
    sec.tables.append(ReportTable(frame, "Totals per checkpoint (selected checkpoints shown; "
                                  "the CSV has every checkpoint and order).", "decay-spindle",
                                  display=_at_marks(frame, s).iloc[:, :4]))
    return sec


def _faithfulness(s: RunSummary, run: str) -> Section:
    sec = Section("faithfulness", "Sparsity and faithfulness",
                  "A few interactions should carry the output: the sorted strengths drop fast "
                  "(sparsity) and the top-α interactions alone nearly reproduce v(x) (matching "
                  "error).")
    have_sp = bool(s.sparsity_curves)
    have_me = s.matching_alphas is not None
    if have_sp or have_me:
        fig, axes = new_figure(int(have_sp) + int(have_me), 1, width=10, height=3.3)
        if have_sp:
            F.plot_sparsity_curves(s.sparsity_curves, ax=axes[0, 0])
        if have_me:
            F.plot_matching_error(s.matching_alphas, s.matching_errors, ax=axes[0, -1],
                                  alpha_hat=s.alpha_hat, logx=True)
        sec.figures.append(ReportFigure(fig, (
            ("Sparsity curves: |I| of all AND and OR interactions divided by the largest, "
             "sorted, averaged over samples (log scale). " if have_sp else "")
            + ("Matching error E|v(x) − v̂_{α}(x)| of the surrogate built from the α "
               "strongest interactions (log α axis); dotted: α̂, the mean smallest α with 10% "
               "relative error." if have_me else "")),
            "sparsity-matching"))
    if have_me:
        errs = s.matching_errors
        cols = {"alpha": s.matching_alphas}
        cols |= ({f"error[{k}]": np.asarray(v) for k, v in errs.items()}
                 if isinstance(errs, Mapping) else {"error": np.asarray(errs)})
        sec.tables.append(ReportTable(pd.DataFrame(cols), "Matching error vs α.",
                                      "matching-error"))
    else:
        sec.missing.append("No matching errors were computed for this run.")
    if not have_sp:
        sec.missing.append("No sparsity curves were computed for this run.")
    return sec


def _top(s: RunSummary, run: str, maps: int = 6) -> Section:
    sec = Section("top-interactions", "Top interactions",
                  "The strongest interactions (AND: all players present; OR: any player "
                  "present), with the players' names.")
    top = s.top_interactions
    if top is None or len(top) == 0:
        sec.missing.append(f"No interactions are stored: run `{how_to('monitor', run)}`.")
        return sec
    if s.image is not None and s.patch_boxes is not None and "mask" in top.columns:
        rows = top.head(maps)
        fig, axes = new_figure(len(rows), 1, width=min(2.2 * len(rows), 13), height=2.6)
        for ax, (_, row) in zip(axes[0], rows.iterrows(), strict=True):
            members = [i for i in range(s.n) if int(row["mask"]) >> i & 1]
            F.plot_patch_map(s.image, s.patch_boxes, members, ax=ax,
                             title=f"{str(row['kind']).upper()} "
                             f"{{{', '.join(map(str, members))}}}: {row['value']:+.3g}")
        sec.figures.append(ReportFigure(fig, (
            "The patches of each top interaction outlined on the input image (other regions "
            "dimmed); the title gives the kind, the players and the interaction's value."),
            "patch-maps"))
    sec.tables.append(ReportTable(top, "Top interactions (values in log-odds units).",
                                  "top-interactions"))
    return sec


def sections_from_summary(s: RunSummary, run: str = "RUN") -> list[Section]:
    """Build the six report sections for ``s``; ``run`` is the run path in missing notes.

    >>> from harsanyi.report.example import example_summary
    >>> [x.id for x in sections_from_summary(example_summary(n=4, checkpoints=6))]
    ['dynamics', 'theory', 'groups', 'generalization', 'faithfulness', 'top-interactions']
    """
    if s.sampled is not None:  # only the per-interaction sections; the others say why not
        return sampled_sections(s, _groups(s, run), _top(s, run))
    return [f(s, run) for f in (_dynamics, _theory, _groups, _generalization, _faithfulness,
                                _top)]


def report_from_summary(summary: RunSummary, out_dir: str | Path, force: bool = False, *,
                        title: str | None = None, run: str = "RUN") -> Path:
    """Build the full report of ``summary`` into ``out_dir``; returns ``out_dir/index.html``.

    >>> import tempfile
    >>> s = RunSummary(epochs=[0, 1, 2], players=["a", "b"], train_loss=[1., .5, .2],
    ...                test_loss=[1., .7, .9])
    >>> p = report_from_summary(s, tempfile.mkdtemp())
    >>> p.name, "harsanyi theory fit RUN" in p.read_text()
    ('index.html', True)
    """
    return build_report(
        sections_from_summary(summary, run), out_dir,
        title or f"Interaction dynamics of {summary.name}", force,
        subtitle="Sparse AND-OR interaction primitives (Harsanyi interactions) of a deep "
                 "network, and how they evolve over training.",
        config=header_config(summary), findings=findings_from_summary(summary, run))
