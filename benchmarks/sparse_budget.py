"""Low budgets on the sparse path: time, support F1 and certificate per n, budget and seed.

The planted games of ``large_n.py`` (``--terms`` AND and OR terms of orders 1-4, noise
±``--noise``, ζ = noise) at each n and budget, one row per seed: extraction time, F1 of the
support ``|I| > 0.1``, relative value error after a least-squares refit, certified or not,
why generation stopped, simplex pivots, rounds, and the penalty of the elastic slacks at the
end, and ``outside``: the atoms of order ``≤ max_order`` outside the LP that the last
pricing found would still enter (0 for a certificate over all of them). ``--before`` runs
the former start (big-M penalty 10⁶ from the first solve and 200 atoms per round while a
slack is in use) under the same pivot cap, for a before/after comparison; docs/sparse.md
quotes both.

Usage: python benchmarks/sparse_budget.py [--n 32,64] [--budgets 500,1000,2000,5000]
[--seeds 0,1,2] [--before]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from large_n import planted_game, q_bound_for, score

import harsanyi as hs
from harsanyi.games import SampleDesign
from harsanyi.zoo.synthetic import planted_sparse_terms

BEFORE = {"penalty": 1e6, "atoms_while_infeasible": 200}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda s: [int(v) for v in s.split(",")]  # noqa: E731
    parser.add_argument("--n", type=ints, default=[32, 64])
    parser.add_argument("--budgets", type=ints, default=[500, 1000, 2000, 5000])
    parser.add_argument("--seeds", type=ints, default=[0, 1, 2])
    parser.add_argument("--terms", type=int, default=30)
    parser.add_argument("--noise", type=float, default=0.005)
    parser.add_argument("--max-pivots", type=int, default=50_000)
    parser.add_argument("--before", action="store_true", help="the former big-M start")
    args = parser.parse_args()
    options = {"max_pivots": args.max_pivots, **(BEFORE if args.before else {})}
    print(f"# sparse path at low budgets ({'before: big-M start' if args.before else 'after'}"
          f"): {args.terms} planted terms, noise ±{args.noise}, options {options}")
    print(f"{'n':>3} {'calls':>6} {'seed':>4} {'time s':>7} {'F1':>6} {'val err':>8} "
          f"{'certified':>9} {'stop':>10} {'pivots':>7} {'rounds':>6} {'M':>7} {'outside':>7}")
    for n in args.n:
        for budget in args.budgets:
            for seed in args.seeds:
                terms = planted_sparse_terms(n, args.terms, np.random.default_rng(seed))
                game = planted_game(terms, SampleDesign.build(n, budget, seed=seed),
                                    args.noise, seed)
                start = time.perf_counter()
                res = hs.and_or(game, q_bound=q_bound_for(game, args.noise), **options)
                took = time.perf_counter() - start
                f1, err = score(game, res, terms, 0.1)
                c = res.metadata["certificate"][0]
                print(f"{n:>3} {budget:>6} {seed:>4} {took:>7.1f} {f1:>6.3f} {err:>8.4f} "
                      f"{c['optimal']!s:>9} {c['stop']:>10} {c['simplex_iterations']:>7} "
                      f"{c['rounds']:>6} {c['penalty']:>7.0e} "
                      f"{c['outside_candidates']['would_enter']:>7}", flush=True)


if __name__ == "__main__":
    main()
