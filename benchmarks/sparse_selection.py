"""The canonical split of sampled games against the LP vertex: time, sparsity, stability.

For planted games (``--terms`` AND and OR terms of orders 1-4 on distinct, non-nested supports,
uniform output noise ±``--noise``, ζ equal to the noise) and a trained MLP (the logit of
``benchmarks/large_n.py``'s model, q_bound 0.02), at each ``--n`` and ``--budget``, per game and
selection: seconds, atoms kept, salient atoms (``|I| ≥ 0.05·max|I|``), the largest ``|I|``
(it drops where a selection spreads a large value over several atoms; docs/sparse.md §5b),
the relative L1 change of the pooled AND+OR values under a 1e-6·|v(N) − v(∅)| Gaussian
perturbation of every ``v(S)``, held-out R², whether the LP was certified, and the canonical
split's L1 norm over the LP optimum. ``--order-weights 0,2`` runs the canonical split once per
exponent ``p`` of its norm ``Σ_T |T|^p I_T²`` (rows ``canon p``). docs/sparse.md quotes its
output.

Smoke run: ``python benchmarks/sparse_selection.py --n 12 --budget 300 --seeds 1 --terms 4
--no-mlp``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from large_n import masked_logit, planted_game, trained_model

import harsanyi as hs
from harsanyi.games import SampleDesign, SampledGame
from harsanyi.zoo.synthetic import planted_sparse_terms


def pooled(res) -> dict:
    return {(k, t): v for k, t, v in res.get_top_k(len(res.is_or))}


def change(a: dict, b: dict) -> float:
    keys = set(a) | set(b)
    return sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys) / sum(map(abs, a.values()))


def salient(res) -> int:
    v = np.abs(np.asarray(res.values).reshape(-1))
    return int((v >= 0.05 * v.max()).sum()) if len(v) else 0


def top(res) -> float:
    v = np.abs(np.asarray(res.values).reshape(-1))
    return float(v.max()) if len(v) else 0.0


def span(game: SampledGame) -> float:
    v = game.values.reshape(-1)
    return float(abs(v[game.masks.all(1)][0] - v[~game.masks.any(1)][0]))


def games(args: argparse.Namespace, n: int):
    for seed in range(args.seeds):
        terms = planted_sparse_terms(n, args.terms, np.random.default_rng(seed))
        game = planted_game(terms, SampleDesign.build(n, args.budget, seed=seed), args.noise,
                            seed)
        yield f"planted {seed}", game, args.noise / span(game)
    if args.mlp:
        net, x = trained_model(n)
        yield ("MLP", SampledGame.from_function(masked_logit(net, x),
                                                SampleDesign.build(n, args.budget, seed=0)),
               0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[24, 32])
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--terms", type=int, default=20)
    parser.add_argument("--noise", type=float, default=0.005)
    parser.add_argument("--epsilon", type=float, default=0.01)
    parser.add_argument("--order-weights", default="2",
                        help="comma-separated exponents p of the canonical split's norm")
    parser.add_argument("--no-mlp", dest="mlp", action="store_false")
    parser.add_argument("--selections", default="vertex,canonical",
                        help="comma-separated: vertex, canonical (e.g. vertex alone times the "
                             "LP, with the whole-pool solve of a trained MLP)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    runs = [(sel, float(p)) for sel in args.selections.split(",")
            for p in (args.order_weights.split(",") if sel == "canonical" else ["2"])]
    print(f"{'n':>3} {'game':>10} {'selection':>11} {'s':>7} {'atoms':>6} {'salient':>7} "
          f"{'max|I|':>7} {'change':>8} {'R2':>7} {'cert':>5} {'L1/OPT':>7} {'QP its':>6}")
    for n in args.n:
        for name, game, q in games(args, n):
            noise = 1e-6 * span(game) * rng.standard_normal(game.values.shape)
            bumped = SampledGame(game.values + noise, game.design)
            for sel, p in runs:
                options = {"selection": sel, "epsilon": args.epsilon, "order_weight": p}
                start = time.perf_counter()
                res = hs.and_or(game, q_bound=q, **options)
                took = time.perf_counter() - start
                moved = hs.and_or(bumped, q_bound=q, **options)
                label = f"canon p={p:g}" if sel == "canonical" else sel
                info = res.metadata["selection_info"][0]
                ratio = info.get("objective", info["lp_optimum"]) / info["lp_optimum"]
                cert = res.metadata["certificate"][0]["optimal"]
                note = " (skipped: LP uses a slack)" if "skipped" in info else ""
                print(f"{n:>3} {name:>10} {label:>11} {took:>7.2f} {len(res.is_or):>6} "
                      f"{salient(res):>7} {top(res):>7.4f} "
                      f"{change(pooled(res), pooled(moved)):>8.1e} "
                      f"{float(res.holdout_r2):>7.4f} {cert!s:>5} {ratio:>7.4f} "
                      f"{info.get('qp_iterations', 0):>6}{note}",
                      flush=True)


if __name__ == "__main__":
    main()
