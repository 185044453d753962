"""A synthetic, planted :class:`RunSummary` shaped like the papers' runs (for tests and docs).

Nothing here is computed from a network: the arrays are drawn from the shapes the papers
report (a spindle at initialisation, a first phase collapsing onto low orders, a second phase
of growing orders while the loss gap grows) so that every part of the report can be rendered
and inspected without training anything.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd

from harsanyi.report.style import GROUP_NAMES
from harsanyi.report.summary import DecaySpindle, GroupSummary, RunSummary, TheoryFit

__all__ = ["example_summary"]


def _binom_row(n: int) -> np.ndarray:
    return np.array([comb(n, k) for k in range(1, n + 1)], dtype=np.float64)


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / x.sum(axis=-1, keepdims=True)


def _group_curve(group: str, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    s = rng.uniform(0.3, 1.5) * rng.choice([-1.0, 1.0])
    u = t / t[-1]
    c = rng.uniform(0.2, 0.6)
    if group == "reliable":
        y = s / (1 + np.exp(-(u - c) * 12))
    elif group == "withdrawn":
        y = s * np.exp(-(((u - c) / 0.15) ** 2))
    elif group == "forgotten":
        y = s * np.exp(-u * rng.uniform(3, 8))
    elif group == "betraying":
        y = s * np.tanh((c - u) * 10)
    else:
        y = s * 0.6 * np.sin(u * rng.uniform(12, 25) + rng.uniform(0, 6))
    return y + rng.normal(0, 0.03 * abs(s), t.size)


def _top_table(names: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Ten planted top interactions of the players ``names``, strongest first."""
    n = len(names)
    rows = []
    for j in range(10):
        order = int(rng.integers(1, 4)) + (j % 2)
        members = sorted(rng.choice(n, size=min(order, n), replace=False).tolist())
        kind = "and" if j % 3 else "or"
        sep = " & " if kind == "and" else " | "
        rows.append({"kind": kind, "players": sep.join(names[i] for i in members),
                     "order": len(members), "value": float(rng.normal(0, 1.5)),
                     "mask": int(sum(1 << i for i in members))})
    return pd.DataFrame(rows).sort_values("value", key=np.abs, ascending=False,
                                          ignore_index=True)


def _image(names: list[str]) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A 64×64 RGB picture and the 8×8 box of each player ``"patch i (row,col)"``."""
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    img = np.stack([0.3 + 0.5 * yy, 0.4 + 0.3 * xx, 0.6 - 0.3 * yy], axis=-1)
    img[((yy - 0.5) ** 2 + (xx - 0.45) ** 2) < 0.06] = [0.85, 0.55, 0.2]
    boxes = []
    for name in names:
        r, c = (int(v) for v in name.split("(")[1].rstrip(")").split(","))
        boxes.append((r * 8, c * 8, r * 8 + 8, c * 8 + 8))
    return img, boxes


def example_summary(n: int = 10, checkpoints: int = 41, seed: int = 0,
                    image: bool = True, tracked: int = 60) -> RunSummary:
    """Build a planted run summary.

    A planted run summary: ``checkpoints`` epochs (0, 2, 4, ...), ``n`` players, and
    ``tracked`` interaction curves sorted into the five groups.

    The phase boundary is planted at 40% of training minus one checkpoint, the gap onset
    one checkpoint later.

    >>> s = example_summary(n=6, checkpoints=11)
    >>> s.n, float(s.epochs[-1]), s.phase_boundary, s.gap_onset
    (6, 20.0, 6.0, 8.0)
    """
    rng = np.random.default_rng(seed)
    epochs = np.arange(checkpoints, dtype=np.float64) * 2.0
    k = np.arange(1, n + 1, dtype=np.float64)
    b = max(1, int(0.4 * checkpoints) - 1)  # planted phase boundary (index)
    g = min(checkpoints - 1, b + 1)  # planted gap onset (index)

    spindle = _normalise(_binom_row(n) * 2.0 ** (k / 2))
    dist = np.empty((checkpoints, n))
    for t in range(checkpoints):
        if t <= b:  # phase 1: from the spindle towards a steep decay
            w = t / b
            dist[t] = (1 - w) * spindle + w * _normalise(np.exp(-2.2 * k))
        else:  # phase 2: the decay flattens (σ² decreases)
            lam = 2.2 - 1.6 * (t - b) / max(1, checkpoints - 1 - b)
            dist[t] = _normalise(np.exp(-lam * k))
    total = 0.4 + 6.0 * (1 - np.exp(-epochs / epochs[-1] * 3))
    strength = dist * total[:, None]
    share = 0.55 + 0.2 * np.linspace(0, 1, checkpoints)[:, None]
    pos, neg = strength * share, -strength * (1 - share)

    train = 2.3 * np.exp(-epochs / (0.25 * epochs[-1])) + 0.02
    gap = 0.04 + 0.9 * np.clip((epochs - epochs[g]) / (epochs[-1] - epochs[g] + 1e-9), 0, None)
    test = train + gap + rng.normal(0, 0.01, checkpoints)

    fit_idx = np.arange(b, checkpoints, max(1, (checkpoints - b) // 5))
    sigma2 = np.logspace(-0.5, -3.0, fit_idx.size)
    theo = _normalise(np.clip(dist[fit_idx] + rng.normal(0, 0.01, (fit_idx.size, n)), 0, None))
    theory = TheoryFit(epochs[fit_idx], dist[fit_idx], theo, sigma2,
                       error=np.abs(theo - dist[fit_idx]).sum(axis=1))

    weights = np.array([0.3, 0.25, 0.1, 0.2, 0.15])
    labels = list(rng.choice(GROUP_NAMES, size=tracked, p=weights))
    curves = np.stack([_group_curve(lab, epochs, rng) for lab in labels])
    high = np.exp(-0.5 * (k - 2))
    order_w = np.stack([high, np.ones(n), high ** 0.5, np.ones(n) * 0.7, 1 / high ** 0.3])
    counts = weights[:, None] * _normalise(order_w) * 100

    spindle_part = np.outer(0.02 + 2.0 * np.clip((epochs - epochs[g]) / epochs[-1], 0, None),
                            spindle)
    decay_part = np.clip(strength - 0.5 * spindle_part, 0, None)

    size = 2 * 2**n
    ranks = np.arange(size, dtype=np.float64)
    sparsity = {f"epoch {epochs[t]:g}":
                np.exp(-np.sqrt(ranks / (size * (0.3 if t == 0 else 0.002 * (1 + t / b)))))
                for t in (0, b, checkpoints - 1)}
    alphas = np.unique(np.round(np.logspace(0, np.log10(size / 4), 12))).astype(float)
    errors = 2.0 * np.exp(-alphas / 25.0) + 0.01

    cells = rng.permutation(36)[:n] if n <= 36 else rng.integers(0, 36, n)
    names = [f"patch {i} ({1 + c // 6},{1 + c % 6})" for i, c in enumerate(cells)]
    top = _top_table(names, rng)
    img, boxes = _image(names) if image else (None, None)

    return RunSummary(
        epochs=epochs, players=names, name="example",
        config={"model": "planted example (no network)", "dataset": "synthetic",
                "players": f"{n} image patches", "samples": 50, "q_bound": 0.02,
                "reward": "log_odds", "checkpoints": checkpoints, "seed": seed},
        train_loss=train, test_loss=test, strength_pos=pos, strength_neg=neg,
        phase_boundary=float(epochs[b]), gap_onset=float(epochs[g]), theory=theory,
        groups=GroupSummary(labels, curves, counts),
        decay_spindle=DecaySpindle(decay_part, spindle_part, real=strength),
        sparsity_curves=sparsity, matching_alphas=alphas, matching_errors=errors,
        alpha_hat=float(alphas[np.argmax(errors < 0.2)]), top_interactions=top,
        image=img, patch_boxes=boxes)
