"""The report of a sampled run: its own section, and the sections it skips (and why).

A run monitored with a budget holds the game's values on a design's masks only. Its report
draws the losses, the five groups and the top interactions on the curves refitted on the union
of supports, adds a ``sampled`` section (held-out R² per checkpoint, what the certificate
covers), and replaces every section that needs all ``2**n`` values by the reason it is
skipped, never by figures computed on zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harsanyi.report import figures as F
from harsanyi.report.html import ReportFigure, ReportTable, Section
from harsanyi.report.style import new_figure
from harsanyi.report.summary import RunSummary, SampledSummary

__all__ = ["SKIPPED_SECTIONS", "sampled_section", "sampled_sections", "skipped_section"]

#: Sections of an exhaustive run that need all ``2**n`` values, with the reason shown instead.
SKIPPED_SECTIONS = {
    "theory": "the two-phase fit matches the distribution of interaction strength over all "
              "orders, which needs every one of the 2^n interactions",
    "generalization": "the decay/spindle split is fitted to the strength of every "
                      "interaction at every order (2^n of them)",
    "faithfulness": "the sparsity curves and matching error rank all 2·2^n AND and OR "
                    "interactions of a game",
}

_TITLES = {"dynamics": "Interactions over training", "theory": "Two-phase model",
           "generalization": "Decay and spindle parts", "faithfulness": "Sparsity and "
           "faithfulness"}


def skipped_section(sec_id: str, reason: str, masks: int) -> Section:
    """Return the section ``sec_id`` holding only why it is skipped on a sampled run.

    >>> skipped_section("theory", "it needs 2^n values", 200).missing[0][:40]
    'Skipped: this run is sampled (200 masks '
    """
    return Section(sec_id, _TITLES.get(sec_id, sec_id),
                   missing=[f"Skipped: this run is sampled ({masks} masks per sample and "
                            f"checkpoint, never all 2^n) and {reason}."])


def _dynamics(s: RunSummary, sampled: SampledSummary) -> Section:
    losses = "; the losses are drawn below" if s.has_losses else ""
    sec = skipped_section("dynamics", "the distribution over orders needs every interaction of "
                          f"every order (2^n of them){losses}", sampled.masks)
    if s.has_losses:
        fig, axes = new_figure(1, 1, width=7.2, height=2.9)
        F.plot_losses(s.epochs, s.train_loss, s.test_loss, ax=axes[0, 0])
        sec.figures.append(ReportFigure(fig, "Training and testing loss and their gap.",
                                        "losses"))
    return sec


def sampled_section(s: RunSummary) -> Section:
    """Return the ``sampled`` section: held-out R² per checkpoint, certificate coverage."""
    sm = s.sampled
    assert sm is not None
    sec = Section("sampled", "Sampled run: faithfulness on held-out masks",
                  f"Every checkpoint was evaluated on the same {sm.masks} masked inputs per "
                  f"sample ({sm.fit} to fit, the others held out), not on all 2^{s.n}. "
                  f"{sm.certificate} Curves are refitted by least squares on each sample's "
                  "union of the supports found at any checkpoint, so an interaction missed at "
                  "one checkpoint is not a false zero.")
    med = np.nanmedian(sm.holdout_r2, axis=1)
    refit = np.nanmedian(sm.refit_r2, axis=1)
    fig, axes = new_figure(1, 1, width=7.2, height=2.8)
    ax = axes[0, 0]
    ax.plot(s.epochs, med, marker="o", label="extraction at the checkpoint")
    ax.plot(s.epochs, refit, marker="s", linestyle="--", label="union-of-supports refit")
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out R² (median)")
    ax.legend(frameon=False)
    sec.figures.append(ReportFigure(fig, "Median over samples of the R² on the held-out masks "
                                    "at each checkpoint.", "holdout-r2"))
    frame = pd.DataFrame({"epoch": s.epochs, "holdout_r2_median": med,
                          "holdout_r2_min": np.nanmin(sm.holdout_r2, axis=1),
                          "refit_r2_median": refit,
                          "certified_optimal": sm.optimal.mean(axis=1)})
    sec.tables.append(ReportTable(frame, "Held-out R² per checkpoint (median and worst sample) "
                                  "and the share of certified extractions.", "holdout-r2"))
    return sec


def sampled_sections(s: RunSummary, groups: Section, top: Section) -> list[Section]:
    """Return the sections of a sampled run's report, in the exhaustive report's order."""
    sm = s.sampled
    assert sm is not None
    skipped = {k: skipped_section(k, sm.skipped.get(k, reason), sm.masks)
               for k, reason in SKIPPED_SECTIONS.items()}
    return [_dynamics(s, sm), sampled_section(s), skipped["theory"], groups,
            skipped["generalization"], skipped["faithfulness"], top]
