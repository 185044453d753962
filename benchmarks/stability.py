"""How stable is the AND-OR split? Vertex vs canonical under tiny perturbations and over training.

Part 1, per family and n: every ``v(x_S)`` is perturbed by ``1e-6·|v(N) − v(∅)|·N(0, 1)``; the
table gives the median and max relative L1 change of the pooled interactions
``‖I' − I‖₁ / ‖I‖₁`` and the smallest top-20 overlap, for the raw LP vertex
(``selection="vertex"``), the canonical split (default) and the plain Möbius interactions of
the same games (no choice in them: the reference). On the game where the split's change is the
largest multiple of the Möbius change, that multiple is split into the absolute changes' ratio
and the norms' ratio: a sparse split has a much smaller ``‖I‖₁`` than the Möbius interactions,
so the same absolute change is a larger relative one.

Part 2: consecutive checkpoints of an over-fitted MLP (20% flipped labels): median relative
change and median top-20 overlap between checkpoints, split vs Möbius
(:func:`harsanyi.metrics.tracking.tracking_quality`).

    python benchmarks/stability.py                      # n = 10, 8 games per family
    python benchmarks/stability.py --sizes 6 --samples 2 --checkpoints 2   # smoke test
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from extraction import FAMILIES, overfit_mlp_checkpoints

from harsanyi.core.transforms import mobius
from harsanyi.extract.solvers import solve
from harsanyi.extract.solvers.canonical import select_canonical
from harsanyi.metrics.tracking import pooled, relative_l1_change, top_k_overlap, tracking_quality


def splits(values: np.ndarray, bound: np.ndarray, epsilon: float) -> dict[str, np.ndarray]:
    """Pooled interactions of the vertex, the canonical split and the Möbius transform."""
    vertex = solve(values, bound, solver="fast")
    canon = select_canonical(values, bound, "and_or", vertex, epsilon)
    return {"vertex": pooled(vertex.and_values, vertex.or_values),
            "canonical": pooled(canon.and_values, canon.or_values),
            "mobius": pooled(mobius(values))}


def perturbation_table(sizes: list[int], samples: int, epsilon: float) -> None:
    print(f"relative L1 change under 1e-6 relative noise, {samples} games per family")
    head = (f"{'n':>2} {'games':8} {'split':10} {'median':>9} {'max':>9} {'x Mobius':>9} "
            f"{'abs x Mob':>9} {'norm / Mob':>10} {'min top-20':>10}")
    print(head)
    print("-" * len(head))
    rng = np.random.default_rng(123)
    for n in sizes:
        for family, maker in FAMILIES.items():
            values, bound = maker(n, samples)
            noise = 1e-6 * np.abs(values[:, -1:] - values[:, :1])
            moved = values + noise * rng.standard_normal(values.shape)
            before, after = splits(values, bound, epsilon), splits(moved, bound, epsilon)
            mob = relative_l1_change(before["mobius"], after["mobius"])
            mob_abs = np.abs(after["mobius"] - before["mobius"]).sum(-1)
            mob_norm = np.abs(before["mobius"]).sum(-1)
            for name in ("vertex", "canonical", "mobius"):
                change = relative_l1_change(before[name], after[name])
                moved_abs = np.abs(after[name] - before[name]).sum(-1) / mob_abs
                norm = np.abs(before[name]).sum(-1) / mob_norm
                overlap = top_k_overlap(before[name], after[name], k=20)
                worst = np.argmax(change / mob)
                print(f"{n:2d} {family:8} {name:10} {np.median(change):9.1e} "
                      f"{change.max():9.1e} {np.max(change / mob):9.1f} "
                      f"{moved_abs[worst]:9.2f} {norm[worst]:10.2f} "
                      f"{overlap.min():10.2f}", flush=True)
    print("x Mobius: the largest ratio (over games) of the split's relative change to the Mobius "
          "one; on that game, abs x Mob: ‖ΔI‖₁ of the split ÷ that of the Mobius interactions, "
          "norm / Mob: ‖I‖₁ of the split ÷ that of the Mobius interactions (x Mobius = abs x "
          "Mob ÷ norm / Mob)")


def checkpoint_table(n: int, samples: int, checkpoints: int, epsilon: float) -> None:
    print(f"\nconsecutive checkpoints of an over-fitted MLP (n = {n}, {samples} games, "
          f"{checkpoints} checkpoints 50 epochs apart): medians over pairs and games")
    games = overfit_mlp_checkpoints(n, samples, checkpoints=checkpoints)
    flat = games.reshape(-1, games.shape[-1])
    bound = 0.02 * np.abs(flat[:, -1] - flat[:, 0])
    got = {k: v.reshape(checkpoints, samples, -1) for k, v in splits(flat, bound, epsilon).items()}
    head = f"{'split':10} {'change':>8} {'Mobius':>8} {'ratio':>6} {'top-20':>7} {'Mobius':>7}"
    print(head)
    print("-" * len(head))
    for name in ("vertex", "canonical"):
        q = tracking_quality(got[name], got["mobius"], k=20)
        print(f"{name:10} {np.median(q['split_change']):8.3f} "
              f"{np.median(q['mobius_change']):8.3f} {np.median(q['change_ratio']):6.2f} "
              f"{np.median(q['split_overlap']):7.2f} {np.median(q['mobius_overlap']):7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10", help="comma-separated n of part 1")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--checkpoints", type=int, default=4)
    parser.add_argument("--checkpoint-n", type=int, default=None, help="n of part 2")
    parser.add_argument("--epsilon", type=float, default=0.01)
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = [int(k) for k in args.sizes.split(",")]
    perturbation_table(sizes, args.samples, args.epsilon)
    checkpoint_table(args.checkpoint_n or sizes[0], args.samples, args.checkpoints,
                     args.epsilon)


if __name__ == "__main__":
    main()
