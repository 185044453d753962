"""Candidate support of a sampled game, grown by order (forward selection with a beam).

The rule (also in docs/sparse.md). Work on the fit masks ``S_1..S_m`` with values ``v``; the
model is least squares on an intercept and the atoms chosen so far (AND ``1(T ⊆ S)``, OR
``1(T ∩ S ≠ ∅)``), ``r`` its residual. The *evidence* for an atom ``T`` is its residual score

``score(T) = |Σ_r r_r f_T(S_r)| / sqrt(c_T (1 − c_T/m))``,  ``c_T = Σ_r f_T(S_r)``,

the drop of the residual norm if ``T`` were added alone. Each round:

1. all singletons are scored (order 1 is the same atom for AND and OR);
2. for each kind, the ``beam`` best-scored subsets of order ``k`` are the *parents* of order
   ``k + 1``: a subset ``T ∪ {j}`` of order ``k + 1`` is a candidate, and is scored, only when
   one of its order-``k`` subsets ``T`` is a parent (the evidence supports it), up to
   ``max_order``;
3. the best-scored candidates whose players are disjoint (at most ``per_round``) join the
   support if their score exceeds ``σ̂ · (1 + sqrt(2 ln N))`` (``σ̂`` the residual standard
   deviation, ``N`` the number of candidates scored: the largest score pure noise would give);
   the least-squares fit is redone.

It stops when every fit mask is matched within the noise bound ``ζ``, when no candidate passes
the threshold, or at ``max_atoms``. The result only seeds the certified LP of
:mod:`.sparse_lp`, whose column generation prices *every* atom up to the order cap; atoms the
LP does not need get the value 0 there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GrowthResult", "grow_support"]


@dataclass
class GrowthResult:
    """The outcome of :func:`grow_support`.

    Atoms found (``support`` ``(k, n)`` bool, ``is_or`` ``(k,)``), why it stopped, the rounds
    run and the final residual max ``|r|``.
    """

    support: np.ndarray
    is_or: np.ndarray
    stop: str
    rounds: int
    residual_max: float


def _scores(feats: np.ndarray, r: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Scores of every child ``parent ∧ base_j``: ``(n, b)`` from parents ``feats`` ``(m, b)``."""
    m = len(r)
    cov = base.T @ (feats * r[:, None])
    cnt = base.T @ feats
    var = cnt * (1.0 - cnt / m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0.5, np.abs(cov) / np.sqrt(np.maximum(var, 1e-300)), 0.0)


def _expand(parents: list[tuple[int, ...]], feats: np.ndarray, r: np.ndarray,
            base: np.ndarray, keep: int) -> tuple[list, np.ndarray, list]:
    """Score the children of ``parents``.

    Return the ``keep`` best (subset, feature) and all ``(score, subset)`` pairs of distinct
    children.
    """
    score = _scores(feats, r, base)  # (n, b)
    for b, t in enumerate(parents):
        score[list(t), b] = -1.0  # j already in T: not a child
    order = np.argsort(-score, axis=None, kind="stable")
    best: dict[tuple[int, ...], tuple[float, int, int]] = {}
    for flat in order:
        j, b = divmod(int(flat), score.shape[1])
        if score[j, b] <= 0:
            break
        key = tuple(sorted(parents[b] + (j,)))
        if key not in best:
            best[key] = (float(score[j, b]), j, b)
        if len(best) >= 4 * keep:
            break
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    kids = [k for k, _ in ranked[:keep]]
    kid_feats = np.stack([feats[:, b] * base[:, j] for _, (_, j, b) in ranked[:keep]], axis=1) \
        if ranked else np.zeros((len(r), 0))
    return kids, kid_feats, [(s, k) for k, (s, _, _) in ranked]


def _candidates(x: np.ndarray, r: np.ndarray, max_order: int, beam: int
                ) -> tuple[list[tuple[float, bool, tuple[int, ...]]], int]:
    """Scored candidates ``(score, is_or, T)`` of every order, grown through the beams."""
    n = x.shape[1]
    single = _scores(np.ones((len(r), 1)), r, x)[:, 0]
    out: list[tuple[float, bool, tuple[int, ...]]] = [
        (float(s), False, (i,)) for i, s in enumerate(single)]
    scored = n
    top = list(np.argsort(-single, kind="stable")[:beam])
    for is_or, base in ((False, x), (True, 1.0 - x)):
        parents: list[tuple[int, ...]] = [(int(i),) for i in top]
        feats = base[:, top]
        for _order in range(2, max_order + 1):
            if not parents:
                break
            parents, feats, found = _expand(parents, feats, r, base, beam)
            scored += len(found)
            out += [(s, is_or, t) for s, t in found]
    return out, scored


def _lstsq(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(gram, rhs, rcond=1e-12)[0]


def grow_support(masks: np.ndarray, values: np.ndarray, bound: float, max_order: int = 4,
                 *, beam: int = 24, per_round: int = 8, max_atoms: int | None = None,
                 max_rounds: int = 200) -> GrowthResult:
    """Grow a candidate support on boolean fit masks ``(m, n)`` with values ``(m,)``.

    The rule is in the module docstring; ``bound`` is the noise bound ``ζ`` (absolute).

    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((400, 10)) < 0.5
    >>> v = 2.0 * (x[:, 1] & x[:, 2] & x[:, 3]) + 1.0 * (x[:, 5] | x[:, 7])
    >>> g = grow_support(x, v, 1e-9, max_order=3)
    >>> g.stop, [(bool(o), tuple(np.flatnonzero(s).tolist())) for s, o in zip(g.support, g.is_or)]
    ('matched', [(False, (1, 2, 3)), (True, (5, 7))])
    """
    x = np.asarray(masks, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    m, n = x.shape
    max_order = min(max_order, n)
    max_atoms = max_atoms if max_atoms is not None else max(1, m // 4)
    cols = np.ones((m, 1))
    chosen: list[tuple[bool, tuple[int, ...]]] = []
    gram, rhs = cols.T @ cols, cols.T @ y
    r = y - _lstsq(gram, rhs) @ cols.T
    stop, rounds = "max_rounds", 0
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - the count is reported
        if np.abs(r).max() <= bound * (1 + 1e-9) + 1e-12:
            stop = "matched"
            break
        if len(chosen) >= max_atoms:
            stop = "max_atoms"
            break
        cands, scored = _candidates(x, r, max_order, beam)
        sigma = np.sqrt((r @ r) / max(1, m - cols.shape[1]))
        threshold = sigma * (1.0 + np.sqrt(2.0 * np.log(max(scored, 2))))
        have = set(chosen)
        used: set[int] = set()
        new: list[tuple[bool, tuple[int, ...]]] = []
        for s, is_or, t in sorted(cands, key=lambda c: -c[0]):
            if s < threshold or len(new) >= per_round:
                break
            if (is_or, t) in have or used.intersection(t):
                continue
            new.append((is_or, t))
            used.update(t)
        if not new:
            stop = "no_evidence"
            break
        add = np.stack([(x[:, list(t)].max(1) if o else x[:, list(t)].min(1)) for o, t in new],
                       axis=1)
        cross = cols.T @ add
        gram = np.block([[gram, cross], [cross.T, add.T @ add]])
        rhs = np.concatenate([rhs, add.T @ y])
        cols = np.concatenate([cols, add], axis=1)
        chosen += new
        r = y - cols @ _lstsq(gram, rhs)
    support = np.zeros((len(chosen), n), dtype=bool)
    for k, (_, t) in enumerate(chosen):
        support[k, list(t)] = True
    return GrowthResult(support, np.array([o for o, _ in chosen], dtype=bool), stop, rounds,
                        float(np.abs(r).max()))
