"""Benchmark of the theory package (paper A's analytic model and the σ² fit).

Run: ``.venv/bin/python benchmarks/theory.py`` — prints one table. Timings are wall-clock,
best of a few repeats; on a shared machine compare ratios, not absolute numbers.

Targets (issue 3): M̂ at n=10 for one σ² < 1 s; ŵ for 50 samples over a 200-point σ² grid at
n=10 < 10 s; one ŵ at n=16 matrix-free < 10 s with relative error <= 1e-8 against a dense
solve at n=12.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.linalg

from harsanyi.theory import (
    M_hat,
    TwoPhaseModel,
    fit_two_phase,
    gram_matrix,
    log_grid,
    penalty_diag,
    theoretical_curves,
    w_hat,
)


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def dense_w_hat(w_star: np.ndarray, sigma2: float) -> np.ndarray:
    """Reference: Cholesky solve of (JᵀJ + 2^n diag(c)) ŵ = JᵀJ w*."""
    n = w_star.shape[-1].bit_length() - 1
    gram = gram_matrix(n)
    return scipy.linalg.solve(
        gram + np.diag(penalty_diag(n, sigma2)), gram @ w_star, assume_a="pos"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    rows: list[tuple[str, str, str, str]] = []

    # 1. M̂ at n = 10, one σ²
    t_solve = best_time(lambda: M_hat(10, 1e-2))
    t_kron = best_time(lambda: M_hat(10, 1e-2, method="kron"))
    rows.append(("M̂(σ²) dense, n=10 (Cholesky solve)", f"{t_solve:.3f} s", "< 1 s", ""))
    rows.append(("M̂(σ²) dense, n=10 (Kronecker)", f"{t_kron:.3f} s", "< 1 s", ""))

    # 2. ŵ for 50 samples over a 200-point grid at n = 10
    w50 = rng.normal(size=(50, 2**10))
    grid = log_grid(1e-6, 10.0, 200)
    model = TwoPhaseModel(10)
    t_grid = best_time(lambda: model.w_hat(w50, grid), repeat=2)
    t_curves = best_time(lambda: theoretical_curves(w50, 0.5 * w50, grid), repeat=2)
    rows.append(("ŵ, 50 samples × 200 σ², n=10 (Kronecker)", f"{t_grid:.2f} s", "< 10 s", ""))
    rows.append(
        ("I_theo curves, 50 AND+OR × 200 σ², n=10", f"{t_curves:.2f} s", "", "fit's inner loop")
    )
    rows.append(
        (
            "ŵ, 50 × 200 σ², n=10 (dense M̂ per σ²)",
            f"~{t_solve * 200:.0f} s",
            "",
            "estimated: 200 × one dense M̂",
        )
    )

    # 3. matrix-free accuracy at n = 12 and speed at n = 16 (and 20)
    w12 = rng.normal(size=2**12)
    errs = []
    for s2 in (1e-6, 1e-3, 1e-1, 10.0):
        dense = dense_w_hat(w12, s2)
        errs.append(np.linalg.norm(w_hat(w12, s2) - dense) / np.linalg.norm(dense))
    t_dense12 = best_time(lambda: dense_w_hat(w12, 1e-3), repeat=1)
    t_fast12 = best_time(lambda: w_hat(w12, 1e-3))
    rows.append(
        ("ŵ rel. error vs dense, n=12 (4 σ²)", f"{max(errs):.1e}", "<= 1e-8", "max over σ²")
    )
    rows.append(
        (
            "ŵ n=12 dense Cholesky / Kronecker",
            f"{t_dense12:.2f} s / {t_fast12 * 1e3:.1f} ms",
            "",
            f"ratio {t_dense12 / t_fast12:.0f}×",
        )
    )
    w16 = rng.normal(size=2**16)
    t16 = best_time(lambda: w_hat(w16, 1e-3))
    rows.append(("ŵ one sample, n=16 (Kronecker)", f"{t16 * 1e3:.1f} ms", "< 10 s", ""))
    w20 = rng.normal(size=2**20)
    t20 = best_time(lambda: w_hat(w20, 1e-3), repeat=1)
    rows.append(("ŵ one sample, n=20 (Kronecker)", f"{t20:.2f} s", "", ""))

    # 4. the whole fit: 12 checkpoints × 50 samples, n = 10, AND + OR, 200 σ²
    ck = model.w_hat(w50, np.logspace(0, -4, 12))
    vals = np.zeros_like(ck)
    vals[..., -1] = ck.sum(-1)
    t_fit = best_time(lambda: fit_two_phase(ck, 0.5 * ck, vals, grid=grid), repeat=1)
    rows.append(("fit_two_phase 12 ckpt × 50 samples, n=10", f"{t_fit:.2f} s", "", "isotonic"))

    width = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("case", "time / value", "target", "note")
    width = [max(w, len(h)) for w, h in zip(width, header, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, width, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, width, strict=True)))


if __name__ == "__main__":
    main()
