"""The default solver: batched ADMM to find the support, then an exact restricted LP.

ADMM (:mod:`.admm`; batched, any device; skipped for samples where a warm start still nearly
fits) estimates the coefficients ``x̂`` and the duals ``λ̂``; the largest prices ``|Aᵀλ̂|``,
coefficients ``|x̂|`` and duals ``|λ̂_S|`` give candidate atoms, candidate rows and a guessed
basis. Then, per sample, the LP restricted to the candidates is solved with HiGHS's simplex and
grown by column generation (atoms with ``|Aᵀλ| > 1``, primal simplex) or row generation (rows
with ``|A x − v| > ζ``, dual simplex) until nothing is violated, which certifies ``x`` as a
global optimum of the full LP (``info["gap"]``). A sample goes to the full LP instead
(``info["fallback"]``) when ``ζ = 0`` (every row is tight), when its candidates cover 95% of
the rows, or past ``max_rounds``, ``max_fraction`` or ``max_pivots`` (counts, never seconds, so
that the result does not depend on the machine's load). Above ``FULL_LP_MAX_PLAYERS`` = 12
players, where the full LP is too large to solve, a sample stops at those limits instead,
uncertified (``info["converged"]`` False), and a ``ζ = 0`` sample goes through row and column
generation like any other.
Measurements: ``benchmarks/README.md``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from harsanyi.core.progress import progress_bar
from harsanyi.core.transforms import mobius
from harsanyi.extract.solvers.admm import DENSE_PROJECTOR_MAX, AdmmState, run_admm
from harsanyi.extract.solvers.base import SolverResult, certify, finish, normalise
from harsanyi.extract.solvers.lp import RestrictedLP, highs_core, solve_full_lp
from harsanyi.extract.solvers.operators import (
    dictionary_apply,
    dictionary_transpose,
    limited_threads,
    weights,
)

__all__ = ["DENSE_EXTRA_ITERS", "DENSE_GUESS", "FULL_LP_MAX_PLAYERS", "MAX_ROUNDS",
           "MAX_ROUNDS_NO_FULL_LP", "candidates_from_admm", "candidates_from_result",
           "default_max_rounds", "generate", "solve_fast", "warm_candidates"]

#: Largest n whose full LP :func:`generate` falls back to (n = 12: 45–85 s by HiGHS's interior
#: point on trained-MLP games; at n = 16 its matrix alone has ~2·3^16 = 86 M nonzeros).
FULL_LP_MAX_PLAYERS = 12

#: Above ``DENSE_PROJECTOR_MAX`` players, a sample whose first ADMM guess has candidate rows on
#: at least this fraction of all rows gets ``DENSE_EXTRA_ITERS`` more ADMM iterations.
DENSE_GUESS = 0.2
DENSE_EXTRA_ITERS = 200


#: Rounds of row and column generation by default: ``MAX_ROUNDS`` where the full LP is the
#: fallback (``n ≤ FULL_LP_MAX_PLAYERS``), ``MAX_ROUNDS_NO_FULL_LP`` above, where stopping
#: leaves the sample uncertified and the pivot cap (``10·2**n``) bounds the work instead: a
#: trained-MLP game at ``n = 14`` stopped uncertified at round 60 (gap 0.041, 765 s) and was
#: certified at round 67 (990 s; benchmarks/README.md).
MAX_ROUNDS = 60
MAX_ROUNDS_NO_FULL_LP = 250


def _full_lp_fits(size: int) -> bool:
    """Whether a game of ``size = 2**n`` masks may fall back to the full LP (``n ≤ 12``)."""
    return size <= 2**FULL_LP_MAX_PLAYERS


def default_max_rounds(size: int) -> int:
    """Default rounds of row and column generation for games of ``size = 2**n`` masks.

    >>> default_max_rounds(2**12), default_max_rounds(2**14)
    (60, 250)
    """
    return MAX_ROUNDS if _full_lp_fits(size) else MAX_ROUNDS_NO_FULL_LP


def _signs(idx: np.ndarray, sign: np.ndarray) -> dict[int, int]:
    return {int(i): int(s) for i, s in zip(idx, sign, strict=True) if s != 0}


def candidates_from_admm(x: np.ndarray, lam: np.ndarray, kind: str, *, delta: float = 0.02,
                         widen: float = 1.0, min_size: int = 8) -> dict[str, Any]:
    """Candidate atoms, rows and a guessed basis for one sample from ADMM estimates.

    ``K`` = number of atoms with normalised price ``≥ 1 − delta``; basic atoms: the ``K``
    largest ``|x̂|`` among atoms priced ``≥ 1 − 3·delta``; active rows: the ``K`` largest
    ``|λ̂|`` (at the upper bound when ``λ̂ < 0``). Candidate atoms add the ``widen·K``
    highest-priced, candidate rows the ``widen·K`` largest ``|λ̂|``.

    >>> c = candidates_from_admm(np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.5, -0.5, -0.5, 0.5]),
    ...                          "and", min_size=1)
    >>> 3 in c["atoms"], c["atom_sign"][3]
    (True, 1)
    """
    size = lam.shape[-1]
    n = size.bit_length() - 1
    w = weights(n, kind)
    lam = lam - lam.mean()
    price = np.abs(dictionary_transpose(lam, kind)) * (w > 0)
    top = price.max()
    price = price / top if top > 0 else price
    lam = lam / top if top > 0 else lam
    k = max(min_size, int(np.count_nonzero(price >= 1 - delta)))
    score = np.abs(x) * (price >= 1 - 3 * delta) * (w > 0)
    basic = np.argsort(-score, kind="stable")[:k]
    basic = basic[score[basic] > 0]
    k = max(len(basic), 1)
    by_lam = np.argsort(-np.abs(lam), kind="stable")
    active = by_lam[:k]
    atoms = np.union1d(basic, np.argsort(-price, kind="stable")[:int(widen * k)])
    rows = np.union1d(active, by_lam[:int(widen * k)])
    return {"atoms": atoms, "rows": rows, "atom_sign": _signs(basic, np.sign(x[basic])),
            "row_sign": _signs(active, -np.sign(lam[active]))}


def candidates_from_result(x: np.ndarray, q: np.ndarray, kind: str,
                           rtol: float = 1e-7) -> dict[str, Any]:
    """Return candidates from a previous solution.

    Candidates from a previous solution: its support and the rows where ``|q|`` is at its
    bound (taken as ``max |q|``; every row when ``q = 0``). Scale-free.

    >>> c = candidates_from_result(np.array([2.0, 0.0, 0.0, 1.0]), np.array([0.1, 0, 0, -0.1]),
    ...                            "and")
    >>> c["atoms"].tolist(), c["rows"].tolist(), c["row_sign"]
    ([0, 3], [0, 3], {0: 1, 3: -1})
    """
    n = q.shape[-1].bit_length() - 1
    big = max(np.abs(x).max(), 1e-300)
    atoms = np.flatnonzero(np.abs(x) > 1e-12 * big)
    bound = np.abs(q).max()
    at_bound = np.abs(q) >= bound * (1 - rtol) if bound > 0 else np.ones(q.shape, bool)
    rows = np.flatnonzero(at_bound)
    w = weights(n, kind)
    basic = atoms[w[atoms] > 0]
    return {"atoms": atoms, "rows": rows, "atom_sign": _signs(basic, np.sign(x[basic])),
            "row_sign": _signs(rows, np.sign(q[rows]))}


def warm_candidates(values: np.ndarray, bound: np.ndarray, warm: SolverResult, kind: str,
                    warm_tol: float) -> list[dict[str, Any] | None]:
    """Per sample: candidates from the previous solution when it nearly fits, else None.

    Nearly fits: ``|A x_prev − v| ≤ ζ + warm_tol·ζ`` on every row (``ζ`` at least ``1e-3`` of
    the game's range), the constant term following the new ``v(∅)``.
    """
    out: list[dict[str, Any] | None] = []
    for b in range(values.shape[0]):
        prev = np.array(warm.and_values[b], dtype=np.float64)
        prev[0] = values[b, 0] + warm.q[b, 0]  # the constant term follows the new v(∅)
        x = prev if kind == "and" else np.concatenate([prev, warm.or_values[b]])
        excess = np.max(np.abs(dictionary_apply(x, kind) - values[b]) - bound[b])
        floor = 1e-3 * max(np.ptp(values[b]), 1e-300)
        ok = excess <= warm_tol * max(bound[b], floor)
        out.append(candidates_from_result(x, warm.q[b], kind) if ok else None)
    return out


def _split(idx: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(idx, np.int64)
    return idx[idx < size], idx[idx >= size] - size


def generate(values: np.ndarray, bound: float, kind: str, cand: dict[str, Any], core: Any, *,
             max_rounds: int | None = None, max_add: int = 200, max_fraction: float = 1.0,
             dense_fraction: float = 0.95,
             tol: float = 1e-9, max_pivots: int | None = None
             ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Row and column generation on one normalised game, from candidates ``cand``.

    Repeats: solve the LP restricted to rows ``R`` and atoms ``J``; add the atoms with ``|Aᵀλ| >
    1`` and re-solve with the primal simplex (the old basis stays primal feasible), or, when
    there are none, the rows with ``|A x − v| > ζ`` and re-solve with the dual simplex (the old
    basis stays dual feasible); stop when there are neither (then ``x`` is optimal for the full
    LP, certified by ``λ``). Adding one kind at a time, each with the simplex that keeps its
    basis feasible, takes fewer pivots (``benchmarks/README.md``). Returns ``x``, ``λ`` and
    an info dict (``rounds``, ``iterations``, ``fallback``). Solves the full LP
    (:func:`.lp.solve_full_lp`) instead when the candidate rows are more than ``dense_fraction``
    of all rows (a dense game, e.g. ``ζ`` tiny because ``v(N) ≈ v(∅)``), and falls back to it
    when the restriction grows past ``max_fraction`` of the rows, after ``max_rounds`` rounds
    (``None``: :func:`default_max_rounds`), or when the restricted solves have taken
    ``max_pivots`` simplex pivots in all (``None``: no limit). Above ``FULL_LP_MAX_PLAYERS`` =
    12 players there is no full LP (its matrix alone has ``~2·3^n`` nonzeros and HiGHS takes
    minutes on it): past a limit the last restricted optimum is returned with
    ``info["stopped"] = True``, uncertified (:func:`solve_fast` reports ``converged`` False
    for it).

    >>> cand = {"atoms": np.array([0]), "rows": np.array([0]), "atom_sign": {}, "row_sign": {}}
    >>> x, lam, info = generate(np.array([0.0, 1.0, 1.0, 1.0]), 0.1, "and_or", cand,
    ...                         highs_core())
    >>> (x.round(9) + 0.0).tolist(), info["fallback"]  # OR({0,1}) = 1 − 2ζ, q = ±ζ
    ([0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.8], False)
    """
    size = values.shape[-1]
    full_lp = _full_lp_fits(size)
    if max_rounds is None:
        max_rounds = default_max_rounds(size)
    if full_lp and len(cand["rows"]) > dense_fraction * size:  # nearly every row is tight
        x, lam, full = solve_full_lp(values, bound, kind)
        return x, lam, {"rounds": 0, "iterations": full["iterations"], "fallback": True}
    w = weights(size.bit_length() - 1, kind)
    lp = RestrictedLP(values, bound, kind, core, tol=tol)
    lp.add_rows(cand["rows"])
    and_c, or_c = _split(np.union1d(cand["atoms"], [0]), size)
    lp.add_cols(and_c, or_c)
    signs = cand["atom_sign"]
    lp.set_guess({t: s for t, s in signs.items() if t < size},
                 {t - size: s for t, s in signs.items() if t >= size}, cand["row_sign"])
    rounds = 0
    simplex = "dual"
    while True:
        rounds += 1
        out = lp.solve(simplex=simplex,
                       max_pivots=None if max_pivots is None else max_pivots - lp.iterations)
        x = out["and"] if kind == "and" else np.concatenate([out["and"], out["or"]])
        lam = out["dual"]
        excess = np.abs(dictionary_apply(x, kind) - values) - bound
        price = np.abs(dictionary_transpose(lam, kind)) * (w > 0)
        price[np.fromiter(lp.and_col, np.int64, len(lp.and_col))] = 0.0
        price[size + np.fromiter(lp.or_col, np.int64, len(lp.or_col))] = 0.0
        new_rows = np.flatnonzero(excess > tol)
        inside = np.isin(new_rows, lp.rows)
        stuck = new_rows[inside & (excess[new_rows] > 10 * tol)]  # held by an elastic slack
        new_rows = new_rows[~inside]
        new_rows = new_rows[np.argsort(-excess[new_rows], kind="stable")][:max_add]
        new_atoms = np.flatnonzero(price > 1 + 10 * tol)
        new_atoms = new_atoms[np.argsort(-price[new_atoms], kind="stable")][:max_add]
        new_atoms = np.union1d(new_atoms, stuck)  # the AND atom at a stuck row fits it
        done = out["status"] == "Optimal" and not len(new_rows) and not len(new_atoms)
        if done and out["slack"] <= 10 * tol:
            return x, lam, {"rounds": rounds, "iterations": lp.iterations, "fallback": False}
        too_big = len(lp.rows) + len(new_rows) > max_fraction * size
        if rounds >= max_rounds or too_big or out["status"] != "Optimal" or done:
            if not full_lp:  # the full LP cannot be built: the last restricted optimum
                return x, lam, {"rounds": rounds, "iterations": lp.iterations,
                                "fallback": False, "stopped": True}
            x, lam, full = solve_full_lp(values, bound, kind)
            return x, lam, {"rounds": rounds, "iterations": lp.iterations + full["iterations"],
                            "fallback": True}
        if len(new_atoms):  # columns keep the basis primal feasible: primal simplex
            lp.add_cols(*_split(new_atoms, size))
            simplex = "primal"
        else:  # rows keep it dual feasible: dual simplex
            lp.add_rows(new_rows)
            simplex = "dual"


def _refine_dense(cands: list[dict[str, Any] | None], need: list[int], state: AdmmState,
                  vn: np.ndarray, zn: np.ndarray, kind: str, more: int, admm_done: np.ndarray,
                  **admm: Any) -> None:
    """Continue the ADMM by ``more`` iterations for the samples whose guess is dense.

    A guess is dense when its candidate rows are at least ``DENSE_GUESS`` of all rows (an
    over-fitted network's game: thousands of tight rows). There, every row or atom the guess
    misses costs the simplex hundreds of pivots on a dense basis, and a closer guess pays for
    the extra iterations many times over (``benchmarks/README.md``); on sparse games it does
    not, and they stop at the first ``admm_iters``. Updates ``cands`` and ``admm_done`` in place.
    """
    size = vn.shape[-1]
    pos = [k for k, b in enumerate(need)
           if len(cands[b]["rows"]) >= DENSE_GUESS * size]  # type: ignore[index]
    if not pos:
        return
    idx = torch.as_tensor(pos, device=state.x.device)
    sub = AdmmState(state.x[idx], state.r[idx], state.ux[idx], state.ur[idx])
    chosen = [need[k] for k in pos]
    xh, lh, _ = run_admm(vn[chosen], zn[chosen], kind, iters=more, state=sub, **admm)
    for k, b in enumerate(chosen):
        cands[b] = candidates_from_admm(xh[k], lh[k], kind)
        admm_done[b] += more


def solve_fast(
    values: np.ndarray,
    bound: np.ndarray,
    kind: str = "and_or",
    warm_start: SolverResult | None = None,
    *,
    admm_iters: int | None = None,
    rho: float = 20.0,
    alpha: float = 1.6,
    sigma: float = 1.0,
    device: str | torch.device = "cpu",
    max_rounds: int | None = None,
    max_add: int = 200,
    tol: float = 1e-9,
    warm_tol: float = 1.0,
    threads: int | None = 1,
    max_pivots: int | None = None,
    progress: bool | None = False,
) -> SolverResult:
    """Exact sparse AND-OR split: ADMM support guess + certified row/column generation.

    Solves ``min Σ_{S≠∅}|I_and(S)| + Σ_{|S|≥2}|I_or(S)|`` s.t. ``v + q = A(I_and, I_or)``,
    ``|q| ≤ ζ`` for each row of ``values`` ``(B, 2**n)``, ``bound`` ``(B,)``. ``device`` is
    where the ADMM runs (``"cuda"`` for a GPU); the LPs run on the CPU.

    ``warm_start``: a :class:`SolverResult` of the same shape (e.g. the previous checkpoint).
    Where the previous solution still nearly fits the new game (``|A x_prev − v| ≤ ζ`` up to
    ``warm_tol·ζ``), its support and the rows where its ``|q| = ζ`` are the starting guess and
    ADMM is skipped (``info["warm_used"]``); elsewhere the cold path runs (an old support far
    from the new game is a worse guess than ADMM's; ``benchmarks/README.md``).

    ``admm_iters``: ADMM iterations before the candidates are read (``None``: 300 up to
    ``DENSE_PROJECTOR_MAX`` = 10 players, where an iteration is one dense product, and 100 above,
    where each iteration runs conjugate gradients, plus ``DENSE_EXTRA_ITERS`` = 200 for a
    sample whose first guess is dense, see ``DENSE_GUESS``; measured in ``benchmarks/README.md``).

    ``max_rounds``: rounds of row and column generation (``None``: :func:`default_max_rounds`,
    60 up to ``FULL_LP_MAX_PLAYERS`` = 12 players and 250 above, where there is no full LP to
    fall back to).

    ``max_pivots``: simplex pivots the row and column generation of one sample may take
    before it falls back to the full LP (``None``: ``10 · 2**n``). A guard against a simplex
    that crawls from the guessed basis; pivots, not seconds, so that the result never depends on
    the machine's load.

    ``progress``: a bar over the per-sample LPs (``None``: once they have run 2 s).

    >>> v = np.array([[0.0, 1.0, 1.0, 1.0]])  # OR of two players
    >>> r = solve_fast(v, np.zeros(1))
    >>> r.objective.round(9).tolist(), r.or_values[0, 3].round(9)
    ([1.0], np.float64(1.0))
    """
    with limited_threads(threads, device):
        return _solve_fast(values, bound, kind, warm_start, admm_iters, rho, alpha, sigma,
                           device, max_rounds, max_add, tol, warm_tol, threads, max_pivots,
                           progress)


def _solve_fast(values, bound, kind, warm_start, admm_iters, rho, alpha, sigma, device,
                max_rounds, max_add, tol, warm_tol, threads, max_pivots,
                progress) -> SolverResult:
    start = time.perf_counter()
    batch, size = values.shape
    if max_pivots is None:
        max_pivots = 10 * size
    dense_more = 0
    if admm_iters is None:
        admm_iters = 300 if size <= 2**DENSE_PROJECTOR_MAX else 100
        dense_more = 0 if size <= 2**DENSE_PROJECTOR_MAX else DENSE_EXTRA_ITERS
    vn, zn, scale = normalise(values, bound)
    core = highs_core()
    cands: list[dict[str, Any] | None] = [None] * batch
    if warm_start is not None:
        cands = warm_candidates(values, bound, warm_start, kind, warm_tol)
    full_lp = _full_lp_fits(size)
    # ζ = 0 makes every row tight, so restricting cannot pay where the full LP can be built
    need = [b for b in range(batch) if cands[b] is None and (zn[b] != 0 or not full_lp)]
    admm_done = np.zeros(batch, np.int64)
    if need and core is not None:
        xh, lh, state = run_admm(vn[need], zn[need], kind, iters=admm_iters, rho=rho,
                                 alpha=alpha, sigma=sigma, device=device, threads=threads)
        for k, b in enumerate(need):
            cands[b] = candidates_from_admm(xh[k], lh[k], kind)
            admm_done[b] = admm_iters
        if dense_more:
            _refine_dense(cands, need, state, vn, zn, kind, dense_more, admm_done,
                          rho=rho, alpha=alpha, sigma=sigma, device=device, threads=threads)
    iters = np.zeros(batch, np.int64)
    xs = np.zeros((batch, size * (1 if kind == "and" else 2)))
    lams = np.zeros((batch, size))
    rounds = np.zeros(batch, np.int64)
    fallback = np.zeros(batch, bool)
    converged = np.ones(batch, bool)
    for b in progress_bar(range(batch), progress, desc="AND-OR split", unit="sample"):
        if kind == "and" and zn[b] == 0:
            xs[b] = mobius(vn[b])  # unique solution
            continue
        if core is None or (zn[b] == 0 and full_lp):
            xs[b], lams[b], full = solve_full_lp(vn[b], zn[b], kind)
            iters[b] += full["iterations"]
            fallback[b] = True
            continue
        cand = cands[b]
        assert cand is not None  # a warm start's or ADMM's for every sample with ζ > 0
        xs[b], lams[b], gen = generate(vn[b], zn[b], kind, cand, core,
                                       max_rounds=max_rounds, max_add=max_add, tol=tol,
                                       max_pivots=max_pivots)
        iters[b] += gen["iterations"]
        rounds[b] = gen["rounds"]
        fallback[b] = gen["fallback"]
        converged[b] = not gen.get("stopped", False)
    _, gap = certify(vn, zn, xs, lams, kind)
    if kind == "and":
        gap = np.where(zn == 0, 0.0, gap)  # Möbius is the unique solution there
    x = xs * scale[:, None]
    x[:, 0] += values[:, 0]
    info = {"solver": "fast", "iterations": iters + admm_done,
            "admm_iterations": admm_done, "lp_iterations": iters,
            "warm_used": np.array([warm_start is not None and admm_done[b] == 0
                                   for b in range(batch)]),
            "rounds": rounds, "fallback": fallback, "gap": np.maximum(gap, 0.0),
            "converged": converged, "seconds": time.perf_counter() - start}
    return finish(values, bound, x, kind, info)
