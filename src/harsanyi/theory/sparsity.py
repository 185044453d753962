"""Paper E's bound on the number of salient AND interactions (Ren et al., ICLR 2024).

AND interactions only, with ``u(S) = v(x_S) − v(x_∅)`` (so ``I(∅) = 0``). For one sample:

* ``ū^(m) = E_{|S|=m} u(S)``; Assumption 2: ``ū^(m)`` non-decreasing in ``m``;
* ``p``: the smallest exponent with ``ū^(m') ≥ (m'/m)^p ū^(m)`` (Assumption 3), estimated with
  reference order 1 (``max_{m≠1} log(ū^(m)/ū^(1)) / log m``, the paper's code) or over all pairs;
* ``A^(k) = Σ_{|S|=k} I(S)``, ``η^(k) = A^(k) / Σ_{|S|=k}|I(S)|``, ``τ = 0.05 max_S |I(S)|``
  (``ratio = 0.05``, ``reference="max"``);
* ``A^(k)/ū^(1)`` written in base ``n``: digits below ``⌊p⌋`` are ``a_i^(k)``, the rest is
  ``± n^{p+δ^(k)}``; ``δ = max_k δ^(k)``, ``λ^(k) = sign · n^{δ^(k)−δ}`` (Theorem 2);
* ``δ ≤ δ_bound = min_{m0} log_n[...]`` over ``m0 ∈ {max(M, n−M), .., n}`` (Eq. 4/5);
* Theorem 3: ``R^(k) ≤ ū^(1)/(τ|η^(k)|) · |λ^(k) n^{p+δ} + Σ_{i<⌊p⌋} a_i^(k) n^i|``.

Choices of the authors' code (``demo/prove_symbolic_utils.py``, ``compute_p_and_bound.py``) are
parameters documented as such: ``k1_trick`` (for ``k = 1`` the ratio is replaced by ``n``),
``use_delta_bound`` (the bound uses ``δ_bound``, not the realised ``δ``), ``M = n − 1``, and
``invalid_m0="skip_sample"`` (a non-positive log argument for any ``m0`` drops the sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from harsanyi.core.orders import orders_index
from harsanyi.errors import TheoryInputError
from harsanyi.metrics import salient_count, salient_threshold
from harsanyi.theory._checks import check_sets

__all__ = [
    "SparsityBound",
    "base_n_digits",
    "estimate_p",
    "is_monotone",
    "mean_u_by_order",
    "sparsity_bound",
]

PMethod = Literal["ref", "all_pairs"]


def mean_u_by_order(values: np.ndarray) -> np.ndarray:
    """``ū^(m) = E_{|S|=m} [v(x_S) − v(x_∅)]`` for ``m = 0..n``; ``values``: ``(..., 2**n)``.

    >>> mean_u_by_order(np.array([1.0, 2.0, 4.0, 6.0]))
    array([0., 2., 5.])
    """
    arr, n = check_sets(values, "values")
    u = arr - arr[..., :1]
    return np.stack([u[..., ix].mean(axis=-1) for ix in orders_index(n)], axis=-1)


def is_monotone(ubar: np.ndarray) -> np.ndarray | bool:
    """Assumption 2: ``ū^(m)`` non-decreasing in ``m`` (along the last axis).

    >>> is_monotone(np.array([0.0, 1.0, 1.0, 3.0])), is_monotone(np.array([0.0, 2.0, 1.0]))
    (True, False)
    """
    out = np.all(np.diff(np.asarray(ubar, dtype=np.float64), axis=-1) >= 0, axis=-1)
    return bool(out) if np.ndim(out) == 0 else out


def estimate_p(ubar: np.ndarray, method: PMethod = "ref", ref_order: int = 1) -> float:
    """Exponent ``p`` of Assumption 3 from ``ū^(0..n)`` of one sample (paper E's code).

    ``method="ref"``: ``max_{m ≠ r} log(ū^(m)/ū^(r)) / log(m/r)`` (``r = ref_order``, default 1:
    ``compute_p_ref_order``). ``"all_pairs"``: ``max_{1≤m'<m≤n} log(ū^(m')/ū^(m)) / log(m'/m)``
    (``compute_p_exact``). Raises :class:`TheoryInputError` when a ratio is not positive.

    >>> ubar = np.array([0.0] + [m**1.5 for m in range(1, 6)])
    >>> round(estimate_p(ubar), 6), round(estimate_p(ubar, "all_pairs"), 6)
    (1.5, 1.5)
    """
    ub = np.asarray(ubar, dtype=np.float64)
    n = ub.size - 1
    if ub.ndim != 1 or n < 2:
        raise TheoryInputError(f"ubar must be 1-D with orders 0..n, n >= 2; got shape {ub.shape}")
    if method == "ref":
        if not 1 <= ref_order <= n:
            raise TheoryInputError(f"ref_order must be in 1..{n}; got {ref_order}")
        pairs = [(ref_order, m) for m in range(1, n + 1) if m != ref_order]
        num = [(m, r) for r, m in pairs]  # log(ū^m/ū^r)/log(m/r)
    elif method == "all_pairs":
        num = [(lo, hi) for hi in range(1, n + 1) for lo in range(1, hi)]
    else:
        raise TheoryInputError(f"method must be 'ref' or 'all_pairs'; got {method!r}")
    out = -math.inf
    for a, b in num:
        ratio = ub[a] / ub[b] if ub[b] != 0 else math.nan
        if not ratio > 0 or not math.isfinite(ratio):
            raise TheoryInputError(
                f"p is undefined: ū^({a})/ū^({b}) = {ub[a]:.4g}/{ub[b]:.4g} is not positive"
            )
        out = max(out, math.log(ratio) / math.log(a / b))
    return out


def base_n_digits(x: float, n: int) -> np.ndarray:
    """Digits of ``x ≥ 0`` in base ``n``, lowest degree first, fraction added to digit 0.

    >>> base_n_digits(23.5, 10)
    array([3.5, 2. ])
    >>> base_n_digits(0.25, 10)
    array([0.25])
    """
    if not math.isfinite(x) or x < 0 or n < 2:
        raise TheoryInputError(f"need a finite x >= 0 and a base n >= 2; got x={x}, n={n}")
    whole = int(x)
    digits: list[float] = []
    while whole > 0:
        digits.append(float(whole % n))
        whole //= n
    if not digits:
        digits = [0.0]
    digits[0] += x - int(x)
    return np.array(digits)


@dataclass
class SparsityBound:
    """Every quantity of paper E's bound for one sample (orders ``k`` index position ``k−1``).

    ``status`` is ``"ok"`` or why the bound is not defined (``"not_monotone"`` is only set
    by :func:`~harsanyi.theory.sparsity_table.sparsity_table`; ``"p_undefined"``,
    ``"delta_empty"``: no order reaches ``⌊p⌋`` digits; ``"lambda_zero"``: ``|λ(m0)| < 1e-8``
    for every ``m0``; ``"invalid_log"``: a non-positive log argument in Eq. 4/5).
    ``R_bound``/``R_real`` cover ``k = 1..M``.
    """

    status: str
    n: int
    M: int
    tau: float
    ubar: np.ndarray
    monotone: bool
    p: float
    ubar1: float
    A: np.ndarray
    eta: np.ndarray
    q: np.ndarray
    a: np.ndarray
    delta_k: np.ndarray
    delta: float
    lam: np.ndarray
    m0: int
    delta_bound: float
    R_bound: np.ndarray
    R_real: np.ndarray

    @property
    def bound_total(self) -> float:
        """``Σ_{k≤M} R̂^(k)``, the bound on the number of salient interactions."""
        return float(self.R_bound.sum())

    @property
    def real_total(self) -> int:
        """``Σ_{k≤M} R^(k)``, the real number of salient interactions."""
        return int(self.R_real.sum())

    @property
    def p_plus_delta(self) -> float:
        """``p + δ_bound`` (Table 2's column)."""
        return float(self.p + self.delta_bound)


def _order_stats(I: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``A^(k)`` and the absolute strength by order, summed in mask order.

    ``A^(k) = Σ_{|S|=k} I(S)`` and ``Σ_{|S|=k} |I(S)|`` for ``k = 1..n``, summed in mask
    order: the base-``n`` digits of ``A^(k)/ū^(1)`` are exact at integer boundaries of planted
    games, so the summation order is kept (not the metrics' matrix product).
    """
    sums = np.array([I[ix].sum() for ix in orders_index(n)[1:]])
    abs_sums = np.array([np.abs(I[ix]).sum() for ix in orders_index(n)[1:]])
    return sums, abs_sums


def sparsity_bound(
    interactions: np.ndarray,
    values: np.ndarray,
    *,
    M: int | Literal["auto"] | None = None,
    tau: float | None = None,
    ratio: float = 0.05,
    p: float | None = None,
    p_method: PMethod = "ref",
    ref_order: int = 1,
    k1_trick: bool = True,
    use_delta_bound: bool = True,
    invalid_m0: Literal["skip_sample", "skip_m0"] = "skip_sample",
) -> SparsityBound:
    """Compute paper E's bound ``R̂^(k)`` beside the real ``R^(k)`` for one sample.

    The estimation follows docs/theory.md#sparsity-bound.

    ``interactions``: AND interactions ``I(S)`` of one sample, ``(2**n,)`` (``I(∅)`` is ignored
    and taken as 0); ``values``: ``v(x_S)``, ``(2**n,)``, from which ``u = v − v(∅)``.
    ``M``: highest order kept (default ``n − 1`` as in the paper's code; ``"auto"``, [RECON],
    is the highest order with some ``|I(S)| ≥ τ``). ``τ = ratio · max_{S≠∅} |I(S)|``
    (:func:`~harsanyi.metrics.salient_threshold`, ``reference="max"``) unless
    given. ``R̂^(k) = ū^(1)/(τ|η^(k)|) |λ^(k) n^{p+δ'} + Σ_{i<⌊p⌋} a_i^(k) n^i|`` with
    ``δ' = δ_bound`` (``use_delta_bound=True``, the code's choice) or the realised ``δ``.

    >>> from harsanyi.core.transforms import zeta
    >>> I = np.zeros(16); I[[1, 2, 4, 8]] = 1.0; I[3] = 0.5          # n = 4, planted
    >>> res = sparsity_bound(I, zeta(I))
    >>> res.status, res.real_total, bool(res.bound_total >= res.real_total)
    ('ok', 5, True)
    """
    I, n = check_sets(interactions, "interactions")
    v, _ = check_sets(values, "values", n)
    if I.ndim != 1 or v.ndim != 1:
        raise TheoryInputError(f"one sample at a time: got shapes {I.shape} and {v.shape}")
    if n < 2:
        raise TheoryInputError("the sparsity bound needs n >= 2 players")
    I = I.copy()
    I[0] = 0.0
    ubar = mean_u_by_order(v)
    if tau is None:
        tau = float(salient_threshold(I, ratio, reference="max"))
    if not (math.isfinite(tau) and tau > 0):
        raise TheoryInputError(f"tau must be > 0 (are all interactions 0?); got {tau}")
    M = _highest_order(M, I, tau, n)
    A, abs_sums = _order_stats(I, n)
    R_real = salient_count(I, tau=tau, by_order=True)[:M]
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(abs_sums > 0, A / abs_sums, np.nan)
    ubar1 = float(ubar[1])
    nan_n = np.full(n, np.nan)
    base = dict(n=n, M=M, tau=float(tau), ubar=ubar, monotone=bool(is_monotone(ubar)),
                ubar1=ubar1, A=A, eta=eta, R_real=R_real)
    empty = dict(q=np.zeros(n, int), a=np.zeros((n, 0)), delta_k=nan_n, delta=math.nan,
                 lam=nan_n, m0=-1, delta_bound=math.nan, R_bound=np.full(M, np.nan))
    try:
        p_val = estimate_p(ubar, p_method, ref_order) if p is None else float(p)
        if ubar1 <= 0:
            raise TheoryInputError("ū^(1) <= 0")
    except TheoryInputError:
        return SparsityBound(status="p_undefined", p=math.nan, **base, **empty)
    pf = max(math.floor(p_val), 0)  # ⌊p⌋ (p < 0 only for non-monotone samples)
    sign = np.sign(A / ubar1)
    q, a, delta_k = _decompose(A, ubar1, sign, n, p_val, pf, k1_trick)
    if np.all(np.isnan(delta_k)):
        return SparsityBound(status="delta_empty", p=p_val, **base, **{**empty, "q": q, "a": a})
    delta = float(np.nanmax(delta_k))
    lam = np.where(np.isnan(delta_k), 0.0, sign * float(n) ** (np.nan_to_num(delta_k) - delta))
    best, m0_best, status = _delta_bound(lam, a, n, M, p_val, pf, invalid_m0)
    partial = dict(q=q, a=a, delta_k=delta_k, delta=delta, lam=lam)
    if status != "ok":
        return SparsityBound(status=status, p=p_val, **base, **partial, m0=-1,
                             delta_bound=math.nan, R_bound=np.full(M, np.nan))
    d_used = best if use_delta_bound else delta
    R_bound = _bound_by_order(lam, a, abs_sums, eta, n, M, p_val + d_used, pf, (ubar1, tau))
    return SparsityBound(
        status="ok", p=p_val, **base, **partial, m0=m0_best, delta_bound=best, R_bound=R_bound
    )


def _bound_by_order(lam: np.ndarray, a: np.ndarray, abs_sums: np.ndarray, eta: np.ndarray,
                    n: int, M: int, exponent: float, pf: int,
                    ubar1_tau: tuple[float, float]) -> np.ndarray:
    """Compute Theorem 3's bound ``R̂^(k)`` for ``k = 1..M``.

    Theorem 3's ``R̂^(k) = ū^(1)/(τ|η^(k)|) |λ^(k) n^{p+δ'} + Σ_{i<⌊p⌋} a_i^(k) n^i|`` for
    ``k = 1..M`` (``exponent = p + δ'``).
    """
    ubar1, tau = ubar1_tau
    R_bound = np.zeros(M)
    for k in range(1, M + 1):
        inner = lam[k - 1] * float(n) ** exponent
        inner += sum(a[k - 1, i] * float(n) ** i for i in range(pf))
        if abs_sums[k - 1] == 0:
            R_bound[k - 1] = 0.0  # no interaction of this order at all: R^(k) = 0
        elif eta[k - 1] == 0:
            R_bound[k - 1] = math.inf  # full cancellation: the bound is vacuous
        else:
            R_bound[k - 1] = ubar1 / (tau * abs(eta[k - 1])) * abs(inner)
    return R_bound


def _highest_order(M: int | str | None, I: np.ndarray, tau: float, n: int) -> int:
    """``M``: ``n − 1`` by default, or the highest order with some ``|I(S)| ≥ τ`` (``"auto"``)."""
    if M is None:
        M = n - 1
    elif M == "auto":
        orders = [k for k, ix in enumerate(orders_index(n)) if k and np.any(np.abs(I[ix]) >= tau)]
        M = max(orders)
    if not 1 <= int(M) <= n:
        raise TheoryInputError(f"M must be in 1..{n}; got {M}")
    return int(M)


def _decompose(A: np.ndarray, ubar1: float, sign: np.ndarray, n: int, p_val: float, pf: int,
               k1_trick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theorem 2's base-``n`` digits of ``A^(k)/ū^(1)``: ``(q, a, δ^(k))`` (NaN outside G)."""
    q = np.zeros(n, dtype=int)
    a = np.zeros((n, pf))
    delta_k = np.full(n, np.nan)
    for k in range(1, n + 1):
        x = n if (k == 1 and k1_trick) else abs(A[k - 1] / ubar1)
        digits = base_n_digits(float(x), n)
        q[k - 1] = digits.size - 1
        low = digits[:pf]
        a[k - 1, : low.size] = sign[k - 1] * low
        high = sum(digits[i] * float(n) ** i for i in range(pf, digits.size))
        if digits.size - 1 >= pf and high > 0:  # G: orders with q^(k) >= ⌊p⌋
            delta_k[k - 1] = math.log(high, n) - p_val
    return q, a, delta_k


def _delta_bound(lam: np.ndarray, a: np.ndarray, n: int, M: int, p_val: float, pf: int,
                 invalid_m0: str) -> tuple[float, int, str]:
    """``δ_bound = min_{m0} log_n[...]`` (Eq. 4/5): ``(δ_bound, m0, status)``."""
    best, m0_best, status = math.inf, -1, "ok"
    for m0 in range(max(M, n - M), n + 1):
        w = np.array([math.comb(m0, k) / math.comb(n, k) for k in range(1, M + 1)])
        lam_m0 = float(w @ lam[:M])
        if abs(lam_m0) < 1e-8:
            continue
        s = float(sum((w @ a[:M, i]) * float(n) ** (i - p_val) for i in range(pf)))
        arg = (1.0 - s) / lam_m0 if lam_m0 > 0 else s / (-lam_m0)
        if arg <= 0:
            if invalid_m0 == "skip_sample":
                return best, m0_best, "invalid_log"
            continue
        db = math.log(arg, n)
        if db < best:
            best, m0_best = db, m0
    if best == math.inf:
        status = "lambda_zero"
    return best, m0_best, status
