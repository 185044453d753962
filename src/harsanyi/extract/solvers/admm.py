"""Batched ADMM for the AND-OR split, with the affine projection done exactly.

Splitting (ours): ``y = (x, r)`` must satisfy ``A x − σ r = v`` (``q = σ r``); a copy
``z = (x', r')`` carries ``Σ w|x'| + ι(|σ r'| ≤ ζ)``. Each iteration (scaled form, relaxation
``α``):

``y ← Π(z − u)``, ``z ← prox_{1/ρ}(α y + (1−α) z + u)`` (soft-threshold ``x``, clip ``r``),
``u ← u + α y + (1−α) z_old − z``,

where ``Π`` projects onto ``{A x − σ r = v}``: ``Π(w) = w − Kᵀ G (K w − v)`` with
``K = [A, −σ I]`` and ``G = (A Aᵀ + σ² I)⁻¹``. ``A Aᵀ`` is a sum of Kronecker products
(``⊗[[1,1],[1,2]]`` for AND, ``⊗[[2,1],[1,1]]`` plus rank-2 terms for OR) but with the
``σ² I`` of the noise term no 2x2 congruence diagonalises all three, so ``G`` is formed once
per ``(n, kind, σ)`` as a dense ``2**n`` square matrix (cached; 8 MiB at n = 10) and applied
with one matrix product per iteration; ``A`` and ``Aᵀ`` use the blocked Kronecker transforms.
Batched over samples, in torch, on any device. ``λ = −ρ G (K w − v)`` estimates the LP dual.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from harsanyi.core.memory import check_players_fit
from harsanyi.extract.solvers.base import certify
from harsanyi.extract.solvers.operators import (
    dictionary_apply,
    dictionary_gram,
    dictionary_transpose,
    limited_threads,
    weights,
)

__all__ = ["AdmmState", "projector", "run_admm"]


@lru_cache(maxsize=4)
def projector(n: int, kind: str = "and_or", sigma: float = 1.0) -> np.ndarray:
    """``G = (A Aᵀ + σ² I)⁻¹``, dense ``2**n`` square, read-only, cached.

    >>> projector(1, "and", 1.0).round(6).tolist()
    [[0.6, -0.2], [-0.2, 0.4]]
    """
    check_players_fit(n, 8.0 * 3 * 2**n, what="the dense projection matrix of the fast solver")
    gram = dictionary_gram(n, kind) + sigma**2 * np.eye(2**n)
    g = np.linalg.inv(gram)
    g = 0.5 * (g + g.T)
    g.setflags(write=False)
    return g


@lru_cache(maxsize=4)
def _projector_tensor(n: int, kind: str, sigma: float, device: str) -> torch.Tensor:
    return torch.from_numpy(np.array(projector(n, kind, sigma))).to(device)


@dataclass
class AdmmState:
    """Iterates of :func:`run_admm` (torch tensors), to continue or warm-start a run."""

    x: torch.Tensor
    r: torch.Tensor
    ux: torch.Tensor
    ur: torch.Tensor


def run_admm(
    values: np.ndarray,
    bound: np.ndarray,
    kind: str = "and_or",
    *,
    iters: int = 300,
    rho: float = 20.0,
    alpha: float = 1.6,
    sigma: float = 1.0,
    device: str | torch.device = "cpu",
    state: AdmmState | None = None,
    threads: int | None = 1,
) -> tuple[np.ndarray, np.ndarray, AdmmState]:
    """Run ``iters`` ADMM iterations on a batch of (normalised) games.

    ``values`` ``(B, 2**n)``, ``bound`` ``(B,)`` (absolute ζ). ``threads``: torch CPU threads
    for the run (restored afterwards; ``None`` keeps torch's setting); one by default, which is
    faster on a loaded machine (``benchmarks/README.md``). Returns the coefficient
    estimate ``x = (I_and, I_or)`` (``(B, 2·2**n)``, or ``(B, 2**n)`` for ``kind="and"``), the
    dual estimate ``λ`` ``(B, 2**n)`` (numpy float64) and the state.

    >>> v = np.array([[0.0, 0.0, 0.0, 1.0]])
    >>> x, lam, _ = run_admm(v, np.zeros(1), iters=300)
    >>> bool(abs(x[0, 3] + x[0, 7] - 1.0) < 1e-3)  # all the mass on the atom {0, 1}
    True
    """
    with limited_threads(threads, device):
        return _run(values, bound, kind, iters, rho, alpha, sigma, torch.device(device), state)


def _run(values, bound, kind, iters, rho, alpha, sigma, dev, state):
    n = values.shape[-1].bit_length() - 1
    f64 = torch.float64
    g = _projector_tensor(n, kind, float(sigma), str(dev))
    v = torch.as_tensor(values, dtype=f64, device=dev)
    box = torch.as_tensor(bound / sigma, dtype=f64, device=dev)[:, None]
    w = torch.as_tensor(weights(n, kind), dtype=f64, device=dev)
    thr = w / rho
    if state is None:
        size = int(w.shape[0])
        zeros = torch.zeros(values.shape[0], size, dtype=f64, device=dev)
        state = AdmmState(zeros, torch.zeros_like(v), zeros.clone(), torch.zeros_like(v))
    x, r, ux, ur = state.x, state.r, state.ux, state.ur
    mu = torch.zeros_like(v)
    for _ in range(iters):
        wx = x - ux
        wr = r - ur
        mu = (dictionary_apply(wx, kind, fast=True) - sigma * wr - v) @ g
        hx = alpha * (wx - dictionary_transpose(mu, kind, fast=True)) + (1 - alpha) * x
        hr = alpha * (wr + sigma * mu) + (1 - alpha) * r
        t = hx + ux
        x = torch.sign(t) * torch.clamp(t.abs() - thr, min=0.0)
        r = torch.minimum(torch.maximum(hr + ur, -box), box)
        ux = t - x
        ur = ur + hr - r
    lam = (-rho * mu).cpu().numpy()
    return x.cpu().numpy(), lam, AdmmState(x, r, ux, ur)


def admm_certificate(values: np.ndarray, bound: np.ndarray, x: np.ndarray, lam: np.ndarray,
                     kind: str = "and_or") -> dict[str, Any]:
    """Diagnostics of an ADMM iterate: objective, certified lower bound and box violation.

    >>> d = admm_certificate(np.array([[0.0, 1.0]]), np.zeros(1), np.array([[0.0, 1.0]]),
    ...                      np.array([[-1.0, 1.0]]), "and")
    >>> d["objective"].tolist(), d["lower"].tolist(), d["violation"].tolist()
    ([1.0], [1.0], [0.0])
    """
    n = values.shape[-1].bit_length() - 1
    lower, _ = certify(values, bound, x, lam, kind)
    fit = dictionary_apply(x, kind)
    violation = np.maximum(np.abs(fit - values) - bound[:, None], 0.0).max(-1)
    return {"objective": (np.abs(x) * weights(n, kind)).sum(-1), "lower": lower,
            "violation": violation}
