"""What the canonical split's Newton steps alone cost, against its speed goals (one thread).

The selection stage (docs/selection.md) is an interior point whose every iteration factors a
dense matrix of the order of its restriction (the split's support, ``k`` atoms). For games of
the families of ``extraction.py``, this script computes the canonical split and prints its
support ``k``, its interior-point iterations, the CPU seconds of its selection stage, and the
*floor*: iterations × the time of one dense Cholesky factorisation of order ``k`` (LAPACK
``potrf``, best of three). Nothing else of the stage is counted (no assembly, no polish, no
restricted QPs re-solved on other orders), and the LP vertex before it not at all, so the
floor is a lower bound of the time of this design; where it alone exceeds a goal, no tuning of
the rest meets it.

    python benchmarks/newton_floor.py --sizes 10 --samples 8
    python benchmarks/newton_floor.py --sizes 12 --samples 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from extraction import FAMILIES, family_names
from scipy.linalg import cho_factor

from harsanyi.extract.solvers import solve
from harsanyi.extract.solvers.canonical import select_canonical
from harsanyi.extract.solvers.operators import limited_threads

#: The issue's goals for the whole canonical split, CPU seconds per game on one core.
GOALS = {10: 0.1, 12: 1.0, 14: 5.0, 16: 60.0}


def cholesky_seconds(order: int, repeat: int = 3) -> float:
    """Best CPU seconds of one dense Cholesky factorisation of order ``order``."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal((order, order))
    spd = g @ g.T + order * np.eye(order)
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        cho_factor(spd.copy(), overwrite_a=True)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10", help="comma-separated n")
    parser.add_argument("--samples", type=int, default=8, help="games per family")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help=f"comma-separated, of {list(FAMILIES)}")
    args = parser.parse_args()
    families = family_names(parser, args.families)
    torch.set_num_threads(1)
    head = (f"{'n':>2} {'games':8} {'support k':>9} {'QP its':>6} {'select s':>8} "
            f"{'chol(k) s':>9} {'floor s':>8} {'floor/select':>12} {'goal s':>6} "
            f"{'floor/goal':>10}")
    print("canonical split: support, interior-point iterations, selection stage (CPU s/game, "
          "one thread) and its floor = iterations x one Cholesky of order k (medians)")
    print(head)
    print("-" * len(head))
    with limited_threads(1):
        for n in (int(k) for k in args.sizes.split(",")):
            for family in families:
                values, bound = FAMILIES[family](n, args.samples)
                rows = []
                for b in range(len(values)):
                    v, z = values[b:b + 1], bound[b:b + 1]
                    vertex = solve(v, z, solver="fast")
                    start = time.process_time()
                    canon = select_canonical(v, z, "and_or", vertex, 0.01)
                    seconds = time.process_time() - start
                    k = int(np.count_nonzero(np.concatenate([canon.and_values[0, 1:],
                                                             canon.or_values[0]])))
                    its = int(canon.info["qp_iterations"][0])
                    chol = cholesky_seconds(k)
                    rows.append((k, its, seconds, chol, its * chol))
                k, its, seconds, chol, floor = np.median(np.array(rows, float), axis=0)
                goal = GOALS.get(n, np.nan)
                print(f"{n:2d} {family:8} {k:9.0f} {its:6.0f} {seconds:8.3f} {chol:9.4f} "
                      f"{floor:8.3f} {floor / seconds:12.2f} {goal:6g} {floor / goal:10.1f}",
                      flush=True)


if __name__ == "__main__":
    main()
