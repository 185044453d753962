"""Batched ADMM for the AND-OR split, with the affine projection done exactly.

Splitting (ours): ``y = (x, r)`` must satisfy ``A x − σ r = v`` (``q = σ r``); a copy
``z = (x', r')`` carries ``Σ w|x'| + ι(|σ r'| ≤ ζ)``. Each iteration (scaled form, relaxation
``α``):

``y ← Π(z − u)``, ``z ← prox_{1/ρ}(α y + (1−α) z + u)`` (soft-threshold ``x``, clip ``r``),
``u ← u + α y + (1−α) z_old − z``,

where ``Π`` projects onto ``{A x − σ r = v}``: ``Π(w) = w − Kᵀ μ`` with ``K = [A, −σ I]`` and
``μ`` the solution of ``(A Aᵀ + σ² I) μ = K w − v``. ``A Aᵀ`` is a sum of two Kronecker products
(``⊗[[1,1],[1,2]]`` for AND, ``⊗[[2,1],[1,1]]`` for OR, up to a rank-``n + 2`` correction for
the OR atoms that do not exist) that no 2x2 congruence diagonalises together with ``σ² I``, so
``μ`` is computed one of two ways:

* ``n ≤ DENSE_PROJECTOR_MAX``: ``G = (A Aᵀ + σ² I)⁻¹`` is formed once per ``(n, kind, σ)`` as a
  dense ``2**n`` square matrix (cached; 8 MiB at n = 10) and applied with one matrix product;
* above: preconditioned conjugate gradients, warm-started at the previous iteration's ``μ``,
  with the AND part ``(⊗[[1,1],[1,2]] + σ² I)⁻¹`` as the preconditioner (applied exactly in
  the eigenbasis of the 2x2 block; for ``kind="and"`` it is the exact inverse, so one step
  suffices). Each sample stops on its own once its relative residual is below ``cg_tol`` (or
  after ``cg_iters`` steps), so a sample's iterates do not depend on the rest of the batch.
  Nothing of size ``2**n × 2**n`` is allocated; memory is ``O(B · 2**n)``.

``A`` and ``Aᵀ`` use the blocked Kronecker transforms. Batched over samples, in torch, on any
device. ``λ = −ρ μ`` estimates the LP dual.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from harsanyi.core.memory import check_players_fit
from harsanyi.core.transforms import kron_blocked
from harsanyi.extract.solvers.base import certify
from harsanyi.extract.solvers.operators import (
    dictionary_apply,
    dictionary_gram,
    dictionary_transpose,
    limited_threads,
    weights,
)

__all__ = ["DENSE_PROJECTOR_MAX", "AdmmState", "projector", "run_admm"]

#: Largest ``n`` whose projection uses the dense inverse ``G`` (above: warm-started PCG).
DENSE_PROJECTOR_MAX = 10

_AND_BLOCK = np.array([[1.0, 1.0], [1.0, 2.0]])


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


@lru_cache(maxsize=4)
def _preconditioner(n: int, sigma: float, device: str) -> tuple[tuple, tuple, torch.Tensor]:
    """``(⊗M + σ² I)⁻¹ = (⊗Q) diag(1 / (⊗e + σ²)) (⊗Q)ᵀ`` for ``M = Q diag(e) Qᵀ``."""
    e, q = np.linalg.eigh(_AND_BLOCK)
    spectrum = np.ones(1)
    for _ in range(n):
        spectrum = np.kron(e, spectrum)
    inv = torch.as_tensor(1.0 / (spectrum + sigma**2), dtype=torch.float64, device=device)
    return tuple(map(tuple, q)), tuple(map(tuple, q.T)), inv


def _solve_gram(rhs: torch.Tensor, start: torch.Tensor, kind: str, sigma: float,
                tol: float, max_iter: int) -> tuple[torch.Tensor, int]:
    """``μ`` with ``(A Aᵀ + σ² I) μ = rhs`` by PCG from ``start``; also the steps taken.

    Per sample (row), stops once ``‖rhs − K μ‖ ≤ tol · ‖rhs‖``.
    """
    n = int(rhs.shape[-1]).bit_length() - 1
    q, qt, inv = _preconditioner(n, float(sigma), str(rhs.device))

    def gram(m: torch.Tensor) -> torch.Tensor:
        fit = dictionary_apply(dictionary_transpose(m, kind, fast=True), kind, fast=True)
        return fit + sigma**2 * m

    def precondition(r: torch.Tensor) -> torch.Tensor:
        return kron_blocked(kron_blocked(r, qt) * inv, q)

    goal = tol * rhs.norm(dim=-1, keepdim=True)
    mu = start.clone()
    res = rhs - gram(mu)
    z = precondition(res)
    p = z.clone()
    rz = (res * z).sum(-1, keepdim=True)
    steps = 0
    while steps < max_iter:
        active = res.norm(dim=-1, keepdim=True) > goal
        if not bool(active.any()):
            break
        steps += 1
        kp = gram(p)
        step = torch.where(active, rz / (p * kp).sum(-1, keepdim=True).clamp_min(1e-300), 0.0)
        mu = mu + step * p
        res = res - step * kp
        z = precondition(res)
        rz_new = (res * z).sum(-1, keepdim=True)
        p = torch.where(active, z + rz_new / rz.clamp_min(1e-300) * p, p)
        rz = torch.where(active, rz_new, rz)
    return mu, steps


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
    cg_tol: float = 1e-4,
    cg_iters: int = 100,
) -> tuple[np.ndarray, np.ndarray, AdmmState]:
    """Run ``iters`` ADMM iterations on a batch of (normalised) games.

    ``values`` ``(B, 2**n)``, ``bound`` ``(B,)`` (absolute ζ). ``threads``: torch CPU threads
    for the run (restored afterwards; ``None`` keeps torch's setting); one by default, which is
    faster on a loaded machine (``benchmarks/README.md``). Returns the coefficient
    estimate ``x = (I_and, I_or)`` (``(B, 2·2**n)``, or ``(B, 2**n)`` for ``kind="and"``), the
    dual estimate ``λ`` ``(B, 2**n)`` (numpy float64) and the state. ``cg_tol``, ``cg_iters``:
    stopping rule of the conjugate gradients that project above ``DENSE_PROJECTOR_MAX``
    players (relative residual per sample, and a cap on the steps per iteration).

    >>> v = np.array([[0.0, 0.0, 0.0, 1.0]])
    >>> x, lam, _ = run_admm(v, np.zeros(1), iters=300)
    >>> bool(abs(x[0, 3] + x[0, 7] - 1.0) < 1e-3)  # all the mass on the atom {0, 1}
    True
    """
    with limited_threads(threads, device):
        return _run(values, bound, kind, iters, rho, alpha, sigma, torch.device(device), state,
                    cg_tol, cg_iters)


def _run(values, bound, kind, iters, rho, alpha, sigma, dev, state, cg_tol, cg_iters):
    n = values.shape[-1].bit_length() - 1
    f64 = torch.float64
    dense = n <= DENSE_PROJECTOR_MAX
    g = _projector_tensor(n, kind, float(sigma), str(dev)) if dense else None
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
        rhs = dictionary_apply(wx, kind, fast=True) - sigma * wr - v
        if g is not None:
            mu = rhs @ g
        else:
            mu, _ = _solve_gram(rhs, mu, kind, sigma, cg_tol, cg_iters)
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
