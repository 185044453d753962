"""Front door of extraction: :func:`and_or` (the sparse AND-OR split) and :func:`mobius`."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from harsanyi._version import __version__
from harsanyi.core.memory import check_players_fit
from harsanyi.core.transforms import mobius as mobius_transform
from harsanyi.core.transforms import zeta
from harsanyi.errors import ShapeError
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.game import Game
from harsanyi.games.sampled import SampledGame

if TYPE_CHECKING:
    from harsanyi.extract.solvers import SolverResult

__all__ = ["and_or", "mobius"]


def _as_game(game: Game | Any) -> Game:
    return game if isinstance(game, Game) else Game(np.asarray(game, dtype=np.float64))


def _noise_bound(values: np.ndarray, q_bound: float) -> np.ndarray:
    if not np.isfinite(q_bound) or q_bound < 0:
        raise ValueError(f"q_bound must be a finite number >= 0; got {q_bound}")
    return q_bound * np.abs(values[..., -1] - values[..., 0])


def _package(game: Game, and_v, or_v, q, bound, info: dict, **meta: Any) -> Interactions:
    values = game.values
    gamma = zeta(and_v) - 0.5 * (values + q)  # v_and = 0.5 (v + q) + γ
    objective = np.abs(and_v[..., 1:]).sum(-1) + np.abs(or_v[..., 1:]).sum(-1)
    metadata = {**game.metadata, **meta, "package_version": __version__, "solver_info": info}
    return Interactions(
        and_values=and_v, or_values=or_v, gamma=gamma, q=q, values=values, bound=bound,
        residual=matching_residual(values, and_v, or_v, q), objective=objective,
        players=list(game.players), metadata=metadata,
    )


def and_or(
    game: Game | Any,
    q_bound: float = 0.02,
    solver: str = "fast",
    *,
    selection: str = "auto",
    epsilon: float = 0.01,
    warm_start: Interactions | None = None,
    progress: bool | None = None,
    **options: Any,
) -> Interactions | SparseInteractions:
    """Sparse AND-OR interactions of a game (or a batch of games).

    A :class:`~harsanyi.games.sampled.SampledGame` (``model_game(..., budget=B)``) goes to
    :func:`~harsanyi.extract.sparse.sparse_and_or` with ``q_bound``, ``selection``, ``epsilon``,
    ``progress`` and ``options`` (``solver`` and ``warm_start`` do not apply) and gives a
    :class:`~harsanyi.extract.sparse_result.SparseInteractions` (docs/sparse.md).

    Solves, per sample, ``min_{γ, q} Σ_{S≠∅} |I_and(S)| + |I_or(S)|`` subject to
    ``|q_S| ≤ ζ = q_bound · |v(N) − v(∅)|``, where ``I_and = Möbius(0.5 (v+q) + γ)`` and
    ``I_or = OR-Möbius(0.5 (v+q) − γ)`` (docs/theory.md#and-or-split; papers A, C, E).
    Universal matching ``v(S) + q_S = v(∅)+q_∅ + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``
    holds for every ``S``; ``result.residual`` reports how well.

    The LP's optimum is often not unique: a whole face of splits can share the optimal L1
    norm, and which vertex a solver ends at is an accident of its path. By default
    (``selection="auto"``) the result is the *canonical split* for games of up to 12 players:
    the unique minimiser of ``‖γ‖² + ‖q‖²/ζ²`` over the splits whose L1 objective is within
    ``(1 + ε)`` of the certified LP optimum ``OPT`` (docs/selection.md): the same for the same
    game whatever the batch, warm start or machine, and continuous in the game. It costs
    1.3–2.1× the vertex at n = 10 (benchmarks/extraction.py; docs/selection.md). Above 12
    players, and for sampled games, ``"auto"`` gives the LP vertex (the canonical split is not
    practical there yet; a sampled game's canonical split minimises an order-weighted
    ``Σ_T |T|² I_T²`` instead, as :mod:`~harsanyi.extract.sparse_select` explains;
    :func:`~harsanyi.extract.solvers.canonical.resolve_selection`). ``metadata`` records the
    ``selection`` each result got, ``epsilon`` and ``lp_optimum`` (``OPT`` per game, next to
    ``objective``).

    Parameters
    ----------
    game : :class:`Game` or array ``(..., 2**n)`` of values ``v(x_S)`` in our bit order.
    q_bound : relative bound of the noise term ``q`` (0.02 in papers A/B, 0.04 in paper E;
        0 disables it).
    solver : ``"fast"`` (default: a batched ADMM on the fast transforms guesses the support,
        a restricted simplex LP grown by row and column generation solves it exactly and the
        full problem's prices certify it; warm-startable), ``"exact"`` (the whole linear
        program through HiGHS, n ≤ 10) or ``"sgd"`` (the original research recipe: SGD +
        momentum, 10× log-decayed learning rate).
    warm_start : a previous result of the same shape (e.g. the previous checkpoint). For the
        canonical split it seeds the selection's first restriction where the previous split
        nearly fits the new game or its support holds most of the new vertex's (the LP itself
        starts cold); for the vertex it is the LP's starting guess where the previous split
        nearly fits. It never changes the canonical split, only how fast it is found.
    progress : a tqdm bar over the samples (iterations for ``"sgd"``): ``None`` (default)
        shows it once the work has run 2 s, ``True`` at once, ``False`` never.
    selection : ``"auto"`` (default; see above), ``"canonical"`` (unique and stable; warns
        above 12 players) or ``"vertex"`` (the optimal vertex the LP solver's path ends at,
        the result of earlier versions). Not used by ``"sgd"``.
    epsilon : relative slack ``ε ≥ 0`` of the canonical split's L1 objective over ``OPT``.
    **options : passed to the solver: "fast" takes ``admm_iters``, ``rho``, ``max_rounds``,
        ``max_pivots``, ``tol``, ``warm_tol``, ``device``, ``threads``; "sgd" takes ``lr``,
        ``niter``, ``momentum``, ``backend``, ``device``; "exact" takes ``method``, ``threads``.

    Example
    -------
    >>> import harsanyi as hs
    >>> I = hs.and_or([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], q_bound=0.0, solver="exact",
    ...               selection="vertex")
    >>> I.get_top_k(2), float(I.residual) < 1e-12
    ([('and', (0, 1), 1.0)], True)
    >>> J = hs.and_or([0.0, 1.0, 1.0, 1.0], q_bound=0.0)  # the canonical split, ε = 0.01
    >>> round(float(J.objective), 6), J.metadata["selection"], J.metadata["lp_optimum"]
    (1.01, 'canonical', 1.0)
    """
    # heavy: the solvers load SciPy's HiGHS and Clarabel, on the first extraction only
    from harsanyi.extract.solvers import solve
    from harsanyi.extract.solvers.canonical import (
        CANONICAL_PRACTICAL_MAX,
        check_selection,
        resolve_selection,
        select_canonical,
        vertex_info,
    )
    from harsanyi.extract.sparse import sparse_and_or

    check_selection(selection, epsilon)
    if isinstance(game, SampledGame):
        return sparse_and_or(game, q_bound, selection=selection, epsilon=epsilon,
                             progress=progress, **options)
    game = _as_game(game)
    selection = resolve_selection(selection, game.n)
    if selection == "canonical" and solver != "sgd" and game.n > CANONICAL_PRACTICAL_MAX:
        warnings.warn(
            f"selection='canonical' at n={game.n} players: above "
            f"{CANONICAL_PRACTICAL_MAX} it is not yet practical (a planted n = 16 game "
            "ran past 30 minutes at 4-7 GiB; docs/selection.md); selection='vertex' gives the "
            "certified LP optimum", RuntimeWarning, stacklevel=2)
    check_players_fit(game.n, 8.0 * 8 * max(1, int(np.prod(game.batch_shape))),
                      what="the solver's working arrays for this batch")
    bound = _noise_bound(game.values, q_bound)
    flat = game.values.reshape(-1, 2**game.n)
    warm = None
    if warm_start is not None:
        if warm_start.and_values.shape != game.values.shape:
            raise ShapeError(
                f"warm_start has shape {warm_start.and_values.shape}, the game {game.values.shape}"
            )
        warm = warm_start
    # A canonical split's warm start seeds the selection only: as the LP's starting basis its
    # support (larger than a vertex's) cost a trained n = 12 game 3.5x (docs/selection.md).
    seeds_selection = selection == "canonical" and solver != "sgd"
    result = solve(flat, bound.reshape(-1), solver=solver, kind="and_or",
                   warm_start=None if seeds_selection else _flat_result(warm), progress=progress,
                   **options)
    stopped = ~np.asarray(result.info.get("converged", True), dtype=bool).reshape(-1)
    if solver != "sgd" and stopped.any():
        warnings.warn(
            f"{int(stopped.sum())} of {stopped.size} sample(s) stopped without a certificate "
            f"(solver {solver!r}; solver_info['converged'] is False there): their split is not "
            "proven L1-optimal (and a canonical selection keeps it: solver_info['selected'] is "
            "False). With 'fast' above 12 players this is the last restricted optimum at "
            "max_rounds or max_pivots: raise them through the solver options",
            RuntimeWarning, stacklevel=2)
    shape = game.values.shape
    chosen: str | None = selection
    slack: float | None = epsilon
    lp_optimum = None
    if solver == "sgd":  # the research recipe: no LP optimum to select around
        chosen, slack = None, None
    else:
        if selection == "canonical":
            result = select_canonical(flat, bound.reshape(-1), "and_or", result, epsilon,
                                      warm_start=_flat_result(warm))
        else:
            result.info.update(vertex_info(result))
            slack = 0.0
        lp_optimum = result.info["lp_optimum"].reshape(shape[:-1]).tolist()
    return _package(
        game, result.and_values.reshape(shape), result.or_values.reshape(shape),
        result.q.reshape(shape), bound, result.info, solver=solver, q_bound=q_bound,
        kind="and_or", selection=chosen, epsilon=slack, lp_optimum=lp_optimum,
    )


def _flat_result(warm: Interactions | None) -> SolverResult | None:
    if warm is None:
        return None
    from harsanyi.extract.solvers import SolverResult

    size = 2**warm.n
    return SolverResult(
        and_values=warm.and_values.reshape(-1, size), or_values=warm.or_values.reshape(-1, size),
        q=warm.q.reshape(-1, size), objective=np.asarray(warm.objective).reshape(-1), info={},
    )


def mobius(
    game: Game | Any, q_bound: float | None = None, solver: str = "fast", *,
    progress: bool | None = None, **options: Any
) -> Interactions:
    """AND-only (Harsanyi) interactions ``I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(x_T)``.

    With ``q_bound`` (paper E uses 0.04), the noise term ``q`` (``|q_S| ≤ q_bound·|v(N)−v(∅)|``)
    is chosen to minimise ``Σ_{S≠∅} |I(S)|`` of ``v + q``. ``or_values`` are all zero.
    ``progress``: as in :func:`and_or` (only the solver with ``q_bound`` takes time).

    >>> import harsanyi as hs
    >>> hs.mobius([0.0, 1.0, 2.0, 5.0]).and_values.tolist()
    [0.0, 1.0, 2.0, 2.0]
    """
    game = _as_game(game)
    shape = game.values.shape
    zeros = np.zeros(shape)
    if not q_bound:
        return _package(game, mobius_transform(game.values), zeros, zeros,
                        np.zeros(shape[:-1]), {}, solver="none", q_bound=0.0, kind="and")
    from harsanyi.extract.solvers import solve

    bound = _noise_bound(game.values, q_bound)
    result = solve(game.values.reshape(-1, 2**game.n), bound.reshape(-1), solver=solver,
                   kind="and", progress=progress, **options)
    return _package(game, result.and_values.reshape(shape), zeros, result.q.reshape(shape),
                    bound, result.info, solver=solver, q_bound=q_bound, kind="and")
