"""The ``"sgd"`` solver: the original research recipe, reproduced (docs/theory.md#and-or-split).

From ``sjtu-xai-lab/generalizable-interaction`` (``harsanyi/and_or_harsanyi_utils.py``,
``_train_p_q``, commit e954ff2), facts only:

* ``p`` (γ) and ``q`` start at 0; ``torch.optim.SGD(momentum=0.9)``;
* the learning rate of iteration ``t`` is ``np.logspace(log10(lr), log10(lr) − 1, niter)[t]``
  (a 10× log decay);
* every iteration clamps ``q`` into ``[−ζ, ζ]``, then takes a step on
  ``loss = Σ_S |I_and(S)| + Σ_S |I_or(S)|`` with ``I_and = reward2Iand @ (0.5 (v+q) + p)``,
  ``I_or = reward2Ior @ (0.5 (v+q) − p)``; no step after the last loss.
* ``reward2Ior`` has the row ``I_or(∅) = v_or(∅)``, so the ∅ terms are in the loss; the rewards
  there are ``v − v(∅)`` (the default ``gt-log-odds-v0`` reward), which we use too.
* the command-line default learning rate there is ``1e-7`` ("commonly used: depends") with
  20,000 iterations; paper E's LLM runs used ``1e-5`` with 20,000; ``kind="and"`` is their
  ``"q"`` mode (only ``q`` is trained, loss ``Σ|I_and|``).

Our choices: float64 throughout (the original is float32), all samples of a batch in one
tensor (their gradients are independent, so every sample follows its own original trajectory),
default ``niter = 10,000`` and ``lr = 1e-5`` (the learning rate that ends nearest the optimum
in ``benchmarks/README.md``). ``backend="dense"`` uses the dense ``2**n``-square
matrices and autograd as the original; ``backend="transform"`` uses the analytic subgradient
(``Mᵀ sign(M u)``, torch's ``sign(0) = 0``) with the fast transforms: the same iterates up to
round-off, faster, and with memory ``O(B · 2**n)``. ``backend="auto"`` (default) is the dense
one up to ``n = DENSE_SGD_MAX`` players and the transforms above, so that no ``2**n × 2**n``
matrix is built for larger games. The result is post-processed to our conventions: OR
singletons and the ∅ terms are merged into the AND side.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from harsanyi.core.memory import check_players_fit
from harsanyi.core.progress import progress_bar
from harsanyi.core.transforms import kron_blocked
from harsanyi.extract.solvers.base import SolverResult, finish
from harsanyi.extract.solvers.operators import limited_threads

__all__ = [
    "DEFAULT_LR",
    "DENSE_SGD_MAX",
    "lr_schedule",
    "reward_to_and",
    "reward_to_or",
    "solve_sgd",
]

#: Default learning rate (paper E's runs; the AND-OR code's command line defaults to 1e-7).
DEFAULT_LR = 1e-5

#: Largest ``n`` where ``backend="auto"`` uses the original's dense matrices (16 MiB each).
DENSE_SGD_MAX = 10

_MOBIUS = ((1.0, 0.0), (-1.0, 1.0))
_MOBIUS_T = ((1.0, -1.0), (0.0, 1.0))


def lr_schedule(lr: float, niter: int) -> np.ndarray:
    """``np.logspace(log10(lr), log10(lr) − 1, niter)``: a 10× log decay over the run.

    >>> (lr_schedule(1e-5, 3) * 1e6).round(6).tolist()
    [10.0, 3.162278, 1.0]
    """
    return np.logspace(np.log10(lr), np.log10(lr) - 1, niter)


def reward_to_and(n: int) -> torch.Tensor:
    """Dense ``reward2Iand``: ``[S, L] = (−1)^{|S|−|L|} 1(L ⊆ S)`` (our bit order, float64).

    >>> reward_to_and(1).tolist()
    [[1.0, 0.0], [-1.0, 1.0]]
    """
    check_players_fit(n, 8.0 * 2**n * 2, what="the dense transform matrices of solver='sgd'")
    return torch.from_numpy(kron_blocked(np.eye(2**n), _MOBIUS).T.copy())


def reward_to_or(n: int) -> torch.Tensor:
    r"""Build the dense ``reward2Ior`` matrix of the original code.

    Dense ``reward2Ior``: row ∅ is ``e_∅``; for ``S ≠ ∅``
    ``I_or(S) = −Σ_{T ⊆ S} (−1)^{|S|−|T|} v(N \ T)``.

    >>> reward_to_or(1).tolist()  # I_or(∅) = v(∅); I_or({0}) = v(N) − v(∅)
    [[1.0, 0.0], [-1.0, 1.0]]
    """
    mat = -torch.flip(reward_to_and(n), dims=(1,))
    mat[0] = 0.0
    mat[0, 0] = 1.0
    return mat + 0.0


def _or_rows(w: torch.Tensor) -> torch.Tensor:
    out = -kron_blocked(torch.flip(w, dims=(-1,)), _MOBIUS)
    out[..., 0] = w[..., 0]
    return out


def _or_rows_t(s: torch.Tensor) -> torch.Tensor:
    head = s[..., :1]
    s = s.clone()
    s[..., 0] = 0.0
    out = -torch.flip(kron_blocked(s, _MOBIUS_T), dims=(-1,))
    out[..., :1] += head
    return out


def solve_sgd(
    values: np.ndarray,
    bound: np.ndarray,
    kind: str = "and_or",
    warm_start: SolverResult | None = None,
    *,
    lr: float = DEFAULT_LR,
    niter: int = 10_000,
    momentum: float = 0.9,
    backend: str = "auto",
    device: str | torch.device = "cpu",
    log_every: int | None = None,
    threads: int | None = 1,
    progress: bool | None = False,
) -> SolverResult:
    """Run the original SGD recipe on a batch; see the module docstring for every detail.

    ``info["loss"]`` is the original loss ``Σ|I_and| + Σ|I_or|`` (∅ terms included) every
    ``log_every`` iterations (default ``niter // 20``), shape ``(checkpoints, B)``;
    ``info["lr"]`` the schedule. ``warm_start`` is ignored (the recipe starts at 0).
    ``threads``: torch CPU threads during the run (see :func:`.operators.limited_threads`).
    ``progress``: a bar over the iterations (``None``: once they have run 2 s).

    >>> v = np.array([[0.0, 1.0, 1.0, 3.0]])
    >>> r = solve_sgd(v, np.array([0.0]), lr=0.01, niter=200, backend="transform")
    >>> bool(r.info["residual"][0] < 1e-12), bool(r.info["loss"][-1, 0] < r.info["loss"][0, 0])
    (True, True)
    """
    del warm_start
    with limited_threads(threads, device):
        return _solve(values, bound, kind, lr, niter, momentum, backend, torch.device(device),
                      log_every, progress)


def _solve(values, bound, kind, lr, niter, momentum, backend, dev, log_every,
           progress) -> SolverResult:
    if backend not in ("auto", "dense", "transform"):
        raise ValueError(f"backend must be 'auto', 'dense' or 'transform'; got {backend!r}")
    if niter < 1 or not lr > 0:
        raise ValueError(f"need niter >= 1 and lr > 0; got niter={niter}, lr={lr}")
    start = time.perf_counter()
    n = values.shape[-1].bit_length() - 1
    if backend == "auto":
        backend = "dense" if n <= DENSE_SGD_MAX else "transform"
    f64 = torch.float64
    u = torch.as_tensor(values - values[:, :1], dtype=f64, device=dev)
    qbound = torch.as_tensor(bound, dtype=f64, device=dev)[:, None]
    p = torch.zeros_like(u, requires_grad=True)
    q = torch.zeros_like(u, requires_grad=True)
    etas = lr_schedule(lr, niter)
    log_every = log_every or max(1, niter // 20)
    losses = []
    and_only = kind == "and"
    if backend == "dense":
        m_and = reward_to_and(n).to(dev)
        m_or = reward_to_or(n).to(dev)
        opt = torch.optim.SGD([p, q], lr=0.0, momentum=momentum)
    buf_p = torch.zeros_like(u)
    buf_q = torch.zeros_like(u)
    for it in progress_bar(range(niter), progress, desc="AND-OR split (SGD)", unit="it"):
        with torch.no_grad():
            q.copy_(torch.maximum(torch.minimum(q, qbound), -qbound))
        if backend == "dense":
            base = 0.5 * (u + q) if not and_only else u + q
            i_and = (base + p) @ m_and.T if not and_only else base @ m_and.T
            loss = i_and.abs().sum(-1)
            if not and_only:
                loss = loss + ((base - p) @ m_or.T).abs().sum(-1)
            if it % log_every == 0 or it == niter - 1:
                losses.append(loss.detach().cpu().numpy())
            if it + 1 < niter:
                opt.zero_grad()
                opt.param_groups[0]["lr"] = float(etas[it])
                loss.sum().backward()
                if and_only:
                    p.grad = None  # mode "q": only q is trained
                opt.step()
            continue
        with torch.no_grad():  # transform backend: analytic subgradient, same SGD update
            base = 0.5 * (u + q) if not and_only else u + q
            i_and = kron_blocked(base + p if not and_only else base, _MOBIUS)
            s_and = torch.sign(i_and)
            g_u = kron_blocked(s_and, _MOBIUS_T)
            loss = i_and.abs().sum(-1)
            if and_only:
                g_p, g_q = torch.zeros_like(u), g_u
            else:
                i_or = _or_rows(base - p)
                loss = loss + i_or.abs().sum(-1)
                g_w = _or_rows_t(torch.sign(i_or))
                g_p, g_q = g_u - g_w, 0.5 * (g_u + g_w)
            if it % log_every == 0 or it == niter - 1:
                losses.append(loss.cpu().numpy())
            if it + 1 < niter:
                buf_p = g_p if it == 0 else momentum * buf_p + g_p
                buf_q = g_q if it == 0 else momentum * buf_q + g_q
                p -= float(etas[it]) * buf_p
                q -= float(etas[it]) * buf_q
    x = _merge(u.detach(), p.detach(), q.detach(), and_only)
    x[:, 0] += values[:, 0]
    info: dict[str, Any] = {"solver": "sgd", "backend": backend, "iterations": np.full(
        values.shape[0], niter), "loss": np.array(losses), "lr": etas,
        "converged": np.zeros(values.shape[0], bool), "seconds": time.perf_counter() - start}
    return finish(values, bound, x, kind, info)


def _merge(u: torch.Tensor, p: torch.Tensor, q: torch.Tensor, and_only: bool) -> np.ndarray:
    """Compute the final interactions (float64), ∅ and OR singletons merged into AND."""
    if and_only:
        return kron_blocked(u + q, _MOBIUS).cpu().numpy()
    base = 0.5 * (u + q)
    i_and = kron_blocked(base + p, _MOBIUS)
    i_or = _or_rows(base - p)
    n = u.shape[-1].bit_length() - 1
    single = torch.tensor([1 << i for i in range(n)], device=u.device, dtype=torch.long)
    i_and[:, 0] += i_or[:, 0]
    i_and[:, single] += i_or[:, single]
    i_or[:, 0] = 0.0
    i_or[:, single] = 0.0
    return torch.cat([i_and, i_or], -1).cpu().numpy()
