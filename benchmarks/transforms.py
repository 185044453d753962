"""Fast AND / OR transforms versus a dense 2^n x 2^n matrix implementation.

Usage: python benchmarks/transforms.py [--max-dense 14] [--big 20]

The dense baseline is what the original research code does: build ``reward2Iand`` (and
``reward2Ior``) once, then multiply. Its construction time is excluded (favouring it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time

from harsanyi.core import flip_sets, mobius, or_mobius


def dense_mobius_matrix(n: int) -> np.ndarray:
    out = np.ones((1, 1))
    for _ in range(n):
        out = np.kron(np.array([[1.0, 0.0], [-1.0, 1.0]]), out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-n", type=int, default=8)
    ap.add_argument("--max-dense", type=int, default=14)
    ap.add_argument("--big", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'n':>3} {'dense AND+OR (s)':>17} {'fast AND+OR (s)':>16} {'speed-up':>9}"
          f" {'max |diff|':>11}")
    for n in range(args.min_n, args.max_dense + 1):
        v = rng.normal(size=2**n)
        v_or = v.copy()
        v_or[0] = 0.0
        m_and = dense_mobius_matrix(n)
        m_or = -m_and[:, ::-1]  # I_or = -M (v_or(N \ T)) = (-M P) v_or
        dense = best_time(lambda a=m_and, o=m_or, x=v, y=v_or: (a @ x, o @ y), repeat=3)
        fast = best_time(lambda x=v, y=v_or: (mobius(x), or_mobius(y)))
        diff = max(np.abs(m_and @ v - mobius(v)).max(), np.abs(m_or @ v_or - or_mobius(v_or)).max())
        print(f"{n:>3} {dense:>17.3e} {fast:>16.3e} {dense / fast:>8.0f}x {diff:>11.1e}")
    n = args.big
    v = rng.normal(size=2**n)
    start = time.perf_counter()
    mobius(v)
    or_mobius(flip_sets(v))
    one = time.perf_counter() - start
    print(f"\nn={n}: one sample's AND + OR transforms: {one:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
