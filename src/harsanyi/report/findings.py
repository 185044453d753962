"""The page header (run configuration) and the findings box, from a :class:`RunSummary`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harsanyi.report.summary import RunSummary

__all__ = ["HOW_TO", "findings_from_summary", "header_config", "how_to"]

#: Commands named in the page when a part is missing (``RUN`` is replaced by the run path).
HOW_TO: dict[str, str] = {
    "monitor": "harsanyi monitor CHECKPOINTS --out RUN",
    "theory": "harsanyi theory fit RUN",
    "groups": "harsanyi theory groups RUN",
    "generalization": "harsanyi theory disentangle RUN",
}


def how_to(key: str, run: str) -> str:
    """Return the command that computes the missing part ``key`` of the run at ``run``.

    >>> how_to("theory", "runs/a")
    'harsanyi theory fit runs/a'
    """
    return HOW_TO[key].replace("RUN", run)


def header_config(s: RunSummary, limit: int = 18) -> dict[str, str]:
    """Return the key facts for the page header.

    Key facts for the page header: the run's config (flattened, at most ``limit`` keys)
    followed by what the summary itself knows (players, checkpoints, epochs).

    >>> header_config(RunSummary(epochs=[0, 4], players=["a", "b"], config={"m": {"d": 3}}))
    {'m.d': '3', 'players (n)': '2', 'checkpoints': '2 (epochs 0 to 4)'}
    """

    def flat(d: Mapping[str, Any], pre: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in d.items():
            if isinstance(v, Mapping):
                out.update(flat(v, f"{pre}{k}."))
            else:
                out[f"{pre}{k}"] = str(v)
        return out

    cfg = dict(list(flat(s.config).items())[:limit])
    cfg.setdefault("players (n)", str(s.n))
    cfg["checkpoints"] = f"{s.epochs.size} (epochs {s.epochs[0]:g} to {s.epochs[-1]:g})"
    return cfg


def findings_from_summary(s: RunSummary, run: str = "RUN") -> list[str]:
    """Short sentences for the findings box: boundaries, σ² range, groups, sparsity, gaps.

    >>> from harsanyi.report.example import example_summary
    >>> print(findings_from_summary(example_summary(n=6, checkpoints=11))[0][-50:])
    starts to grow at epoch **8**: **2** epochs apart.
    """
    out: list[str] = [] if s.sampled is None else [s.sampled.line()]
    pb, go = s.phase_boundary, s.gap_onset
    if pb is not None and go is not None:
        out.append(f"The second phase starts at epoch **{pb:g}** (lowest mean interaction "
                   f"order); the loss gap starts to grow at epoch **{go:g}**: "
                   f"**{abs(pb - go):g}** epochs apart.")
    elif pb is not None:
        out.append(f"The second phase starts at epoch **{pb:g}**; no gap onset was detected.")
    elif go is not None:
        out.append(f"The loss gap starts to grow at epoch **{go:g}**; no phase boundary was "
                   "detected.")
    mo = s.mean_order()
    if mo is not None and np.isfinite(mo).any():
        i_min = int(np.nanargmin(mo))
        out.append(f"Mean interaction order: {mo[0]:.2f} at epoch {s.epochs[0]:g}, lowest "
                   f"{mo[i_min]:.2f} at epoch {s.epochs[i_min]:g}, {mo[-1]:.2f} at the last "
                   f"epoch ({s.epochs[-1]:g}).")
    if s.theory is not None:
        th = s.theory
        mono = bool(np.all(np.diff(th.sigma2) <= 0))
        err = (f" Mean L1 distance between real and theoretical distributions: "
               f"{np.mean(th.error):.3f}." if th.error is not None else "")
        out.append(f"Fitted σ² goes from **{th.sigma2[0]:.2g}** (epoch {th.epochs[0]:g}) to "
                   f"**{th.sigma2[-1]:.2g}** (epoch {th.epochs[-1]:g})"
                   f"{', decreasing as the two-phase model predicts' if mono else ''}.{err}")
    elif s.sampled is None:
        out.append(f"No two-phase theory fit yet: run `{how_to('theory', run)}`.")
    if s.groups is not None:
        c = s.groups.counts()
        m = sum(c.values())
        parts = ", ".join(f"{g} {v} ({100 * v / max(m, 1):.0f}%)" for g, v in c.items())
        per = (f" (the strongest of each of {s.groups.per_sample} samples)"
               if s.groups.per_sample else "")
        out.append(f"Of the {m} tracked interactions{per}: {parts}.")
    if s.alpha_hat is not None:
        out.append(f"The top **{s.alpha_hat:g}** interactions (of {2 * 2 ** s.n} AND and OR "
                   f"terms, {100 * s.alpha_hat / (2 * 2 ** s.n):.1f}%) explain the output "
                   "within 10% (α̂).")
    if s.decay_spindle is not None:
        sp = np.abs(s.decay_spindle.spindle).sum(axis=1)
        de = np.abs(s.decay_spindle.decay).sum(axis=1)
        out.append(f"Spindle (non-generalisable) share of strength: {sp[0] / (sp[0] + de[0]):.0%}"
                   f" at epoch {s.epochs[0]:g}, {sp[-1] / (sp[-1] + de[-1]):.0%} at the end.")
    out += list(s.notes)
    return out
