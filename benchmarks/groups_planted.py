"""How well does the five-group rule recover planted curve shapes? Raw vs per-checkpoint scale.

Each planted interaction is ``I_t = share_t · scale_t + noise``: ``share_t`` one of the five
shapes of paper C's Table 2 (random amplitude, sign and time scale), ``scale_t`` the game's
scale ``|v_t(N) − v_t(∅)|``. Two scenarios: a constant scale, and a scale that grows ~750x
(fastest early, as the log-odds of the demo's over-fitting network do). The table gives, per
planted group, the share of curves labelled with that group by the default rule on the raw
curves and with ``five_groups(..., scale=)`` (each checkpoint divided by its scale). This is
what freezes the rule's defaults (docs/theory.md#five-groups): they are checked here, on
synthetic curves, and never tuned to paper C's Table 3.

Usage: ``python benchmarks/groups_planted.py [--curves 200] [--checkpoints 13 21]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from harsanyi.dynamics.groups import GROUPS, classify_curves
from harsanyi.zoo.synthetic import planted_group_curve


def recovery(kind: str, K: int, growth: float, curves: int, noise: float,
             seed: int) -> tuple[float, float]:
    """Share of planted ``kind`` curves labelled ``kind``: (raw rule, scaled rule)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, K)
    scale = 1 + (growth - 1) * t**0.7
    shares = np.stack([planted_group_curve(kind, rng, t) for _ in range(curves)])
    shares += rng.normal(0, noise, shares.shape) * np.abs(shares).max(1, keepdims=True)
    raw = classify_curves(shares * scale)
    scaled = classify_curves(shares)  # (share · scale) / scale
    return float((raw == kind).mean()), float((scaled == kind).mean())


def main() -> None:
    """Print the recovery table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", type=int, default=200, help="curves per group and case")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[13, 21])
    parser.add_argument("--noise", type=float, default=0.02, help="noise / max |share|")
    args = parser.parse_args()
    print(f"{'K':>3} {'scale growth':>12} {'planted':<12} {'raw rule':>9} {'scaled':>9}")
    for K in args.checkpoints:
        for growth in (1.0, 750.0):
            for gi, kind in enumerate(GROUPS):
                raw, sc = recovery(kind, K, growth, args.curves, args.noise, 100 * gi + K)
                print(f"{K:>3} {growth:>11.0f}x {kind:<12} {raw:>9.2f} {sc:>9.2f}")


if __name__ == "__main__":
    main()
