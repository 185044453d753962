"""The Newton matrices' ``A_Rᵀ diag(ω) A_R``: lookups into interval sums versus BLAS ``syrk``.

Usage: python benchmarks/gram.py [--quick]

For random atoms (AND and OR) and rows of the ``2^n`` masks, one thread: the time of
:class:`harsanyi.extract.solvers.gram.WeightedGram` (one call, plus its set-up spread over 15
calls, a restricted QP's interior-point iterations) against ``syrk`` onto a copy of ``P``, as
:mod:`harsanyi.extract.solvers.dense_qp` builds it, and which one ``gram.lookup_pays`` picks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.linalg.blas import dsyrk

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time

from harsanyi.extract.solvers.base import _atom_columns
from harsanyi.extract.solvers.gram import WeightedGram, lookup_pays
from harsanyi.extract.solvers.operators import limited_threads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="n = 10 only")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'n':>3} {'atoms k':>8} {'rows m':>7} {'lookup ms':>10} {'syrk ms':>8} "
          f"{'faster':>7} {'rule picks':>10} {'max |diff|':>11}")
    with limited_threads(1):
        for n in (10,) if args.quick else (10, 12, 14):
            size = 2**n
            for k in (100, 300, 1000, 2400):
                for m in (50, 200, 700, 2000):
                    if m > size or k > size:
                        continue
                    atoms = np.sort(rng.choice(2 * size, k, replace=False))
                    rows = np.sort(rng.choice(size, m, replace=False))
                    omega = rng.exponential(size=m)
                    p = np.eye(k)
                    a = _atom_columns(atoms, rows, size)
                    gram = WeightedGram(atoms, rows, n)

                    def by_lookup(gram=gram, omega=omega, p=p):
                        return gram(omega) + p

                    def by_syrk(a=a, omega=omega, p=p):
                        return dsyrk(1.0, (a * np.sqrt(omega)[:, None]).T, beta=1.0, c=p.T,
                                     trans=0)

                    setup = best_time(lambda: WeightedGram(atoms, rows, n), repeat=2)  # noqa: B023
                    lookup = best_time(by_lookup, repeat=3) + setup / 15
                    syrk = best_time(by_syrk, repeat=3)
                    diff = np.abs(np.triu(by_lookup()) - np.triu(by_syrk())).max()
                    print(f"{n:>3} {k:>8} {m:>7} {1e3 * lookup:>10.2f} {1e3 * syrk:>8.2f} "
                          f"{'lookup' if lookup < syrk else 'syrk':>7} "
                          f"{'lookup' if lookup_pays(n, k, m) else 'syrk':>10} {diff:>11.1e}",
                          flush=True)


if __name__ == "__main__":
    main()
