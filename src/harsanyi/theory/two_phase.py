"""Paper A's analytic model of the second phase: ``ŵ = M̂(σ²) w*`` (Ren et al., NeurIPS 2024).

A DNN evaluated on the ``2**n`` masked samples of one input is ``v(x_S) = Σ_T w_T J_T(x_S)`` with
the binary triggering matrix ``J_{S,T} = 1(T ⊆ S)`` (Lemma 2), i.e. ``J w`` is the zeta transform.
Training with noisy triggering functions, ``Var ε_T = 2^{|T|} σ²`` (Assumption 1), has the
closed-form optimum (Theorem 3)::

    ŵ = (JᵀJ + 2^n diag(c))⁻¹ JᵀJ w* = M̂ w*,        c_T = 2^{|T|} σ².

Structure used here (our derivation, checked against the dense formula in the tests):

* ``(JᵀJ)_{T,T'} = 2^{n-|T∪T'|}``, so ``JᵀJ = ⊗[[2,1],[1,1]]`` and
  ``JᵀJ x = superset_sum(zeta(x))``;
* ``2^n diag(c) = 2^n σ² ⊗diag(1, 2)`` is a Kronecker product too.

Both are Kronecker products of the same pair of 2x2 blocks ``(A, B)``, so the generalized
eigenvectors ``V`` of ``A v = μ B v`` (``VᵀAV = diag(μ)``, ``VᵀBV = I``) diagonalise the whole
system at once: with ``K = ⊗V`` and ``μ_T = μ_0^{n-|T|} μ_1^{|T|}``::

    M̂(σ²) = K diag(μ_T / (μ_T + 2^n σ²)) K⁻¹.

Every ``ŵ`` therefore costs two butterflies, ``O(n 2^n)``, for any ``σ²``; a grid of ``σ²``
reuses ``K⁻¹ w*``. This is exact (no iteration): the only error is rounding, amplified at most
by ``cond(K) ≤ 2^{n/2}``. :func:`M_hat` also offers the dense solve as a reference.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.linalg

from harsanyi.core.memory import check_players_fit
from harsanyi.core.orders import order_of_masks, orders_index
from harsanyi.core.transforms import kron_apply, superset_sum, zeta
from harsanyi.theory._checks import check_n, check_sets, check_sigma2

__all__ = [
    "M_hat",
    "TwoPhaseModel",
    "gram_matrix",
    "gram_matvec",
    "penalty_diag",
    "r_ratios",
    "row_norms_by_order",
    "w_hat",
]

_A = np.array([[2.0, 1.0], [1.0, 1.0]])  # one player's block of JᵀJ
_B = np.array([[1.0, 0.0], [0.0, 2.0]])  # one player's block of diag(2^{|T|})


def gram_matvec(x: np.ndarray) -> np.ndarray:
    """``JᵀJ x`` in ``O(n 2^n)``: ``(JᵀJ x)_T = Σ_{T'} 2^{n-|T∪T'|} x_{T'}``.

    Computed as ``superset_sum(zeta(x))`` (``J`` is the zeta transform, ``Jᵀ`` the superset sum).

    >>> gram_matvec(np.array([1.0, 0.0, 0.0, 0.0]))  # column ∅ of JᵀJ for n=2
    array([4., 2., 2., 1.])
    """
    return superset_sum(zeta(np.asarray(x, dtype=np.float64)))


def gram_matrix(n: int) -> np.ndarray:
    """Dense ``JᵀJ`` with entries ``2^{n-|T∪T'|}`` (shape ``(2^n, 2^n)``).

    >>> gram_matrix(1)
    array([[2., 1.],
           [1., 1.]])
    """
    n = check_n(n, high=14)
    check_players_fit(n, 8.0 * 2**n, what="the dense 2**n x 2**n matrix J^T J")
    idx = np.arange(2**n)
    return np.exp2(n - order_of_masks(n)[idx[:, None] | idx[None, :]]).astype(np.float64)


def penalty_diag(n: int, sigma2: float) -> np.ndarray:
    """Diagonal of ``2^n diag(c)``, ``c_T = 2^{|T|} σ²`` (Theorem 3's penalty).

    >>> penalty_diag(2, 0.5)
    array([2., 4., 4., 8.])
    """
    n = check_n(n)
    s2 = float(check_sigma2(sigma2))
    return (2.0**n) * np.exp2(order_of_masks(n)) * s2


def M_hat(n: int, sigma2: float, method: Literal["solve", "kron"] = "solve") -> np.ndarray:
    """Dense ``M̂(σ²) = (JᵀJ + 2^n diag(c))⁻¹ JᵀJ``, ``c_T = 2^{|T|} σ²`` (paper A, Theorem 3).

    ``method="solve"`` is the direct formula (a Cholesky solve, the reference);
    ``method="kron"`` applies the Kronecker eigen-decomposition to the identity.
    Rows and columns are indexed by subsets in bit order. ``σ² = 0`` gives the identity
    (Theorem 5).

    >>> M = M_hat(2, 0.0)
    >>> bool(np.allclose(M, np.eye(4)))
    True
    >>> M = M_hat(3, 0.1)
    >>> bool(np.allclose(M, M_hat(3, 0.1, method="kron")))
    True
    """
    n = check_n(n, high=13)
    s2 = float(check_sigma2(sigma2))
    check_players_fit(n, 3 * 8.0 * 2**n, what="the dense 2**n x 2**n system of M_hat")
    if method == "kron":
        return TwoPhaseModel(n).w_hat(np.eye(2**n), s2).T.copy()
    if method != "solve":
        raise ValueError(f"method must be 'solve' or 'kron'; got {method!r}")
    gram = gram_matrix(n)
    system = gram + np.diag(penalty_diag(n, s2))
    return scipy.linalg.solve(system, gram, assume_a="pos")


@lru_cache(maxsize=16)
def _kron_factors(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu2, vecs = scipy.linalg.eigh(_A, _B)  # vecsᵀ A vecs = diag(mu2), vecsᵀ B vecs = I
    orders = order_of_masks(n)
    mu = mu2[0] ** (n - orders) * mu2[1] ** orders
    mu.setflags(write=False)
    return vecs, np.linalg.inv(vecs), mu


class TwoPhaseModel:
    """Fast ``ŵ = M̂(σ²) w*`` for ``n`` players, any batch of ``w*`` and any grid of ``σ²``.

    ``M̂(σ²) = K diag(μ_T/(μ_T + 2^n σ²)) K⁻¹`` with ``K = ⊗V`` (see the module docstring).

    >>> model = TwoPhaseModel(3)
    >>> w_star = np.zeros(8); w_star[7] = 1.0          # one interaction of order 3
    >>> w = model.w_hat(w_star, [0.0, 0.1])            # shape (2 sigma2, 8)
    >>> bool(np.allclose(w[0], w_star)), bool(abs(w[1, 7]) < 1.0)
    (True, True)
    """

    def __init__(self, n: int) -> None:
        self.n = check_n(n)
        self._v, self._v_inv, self._mu = _kron_factors(self.n)

    def filter(self, sigma2: float | np.ndarray) -> np.ndarray:
        """Spectral filter ``μ_T / (μ_T + 2^n σ²)``, shape ``sigma2.shape + (2^n,)``.

        >>> TwoPhaseModel(2).filter([0.0, 1.0]).shape
        (2, 4)
        """
        s2 = check_sigma2(sigma2)
        return self._mu / (self._mu + (2.0**self.n) * s2[..., None])

    def to_spectral(self, w_star: np.ndarray) -> np.ndarray:
        """``K⁻¹ w*`` along the last axis (reuse it over a ``σ²`` grid).

        >>> m = TwoPhaseModel(2); w = np.array([1.0, 2.0, 3.0, 4.0])
        >>> bool(np.allclose(m.from_spectral(m.to_spectral(w), 0.0), w))
        True
        """
        arr, _ = check_sets(w_star, "w_star", self.n)
        return kron_apply(arr, self._v_inv)

    def from_spectral(self, z: np.ndarray, sigma2: float | np.ndarray) -> np.ndarray:
        """``K diag(filter) z``: ``ŵ`` for spectral coefficients ``z`` (from :meth:`to_spectral`).

        Output shape ``sigma2.shape + z.shape``.

        >>> m = TwoPhaseModel(2); z = m.to_spectral(np.ones((3, 4)))
        >>> m.from_spectral(z, [0.1, 1.0]).shape
        (2, 3, 4)
        """
        s_shape = check_sigma2(sigma2).shape
        copies = int(np.prod(s_shape, dtype=np.int64)) * (z.size >> self.n)
        check_players_fit(self.n, 2 * 8.0 * copies, what=f"{copies} vectors w_hat")
        filt = self.filter(sigma2)
        filt = filt.reshape(s_shape + (1,) * (z.ndim - 1) + (2**self.n,))
        return kron_apply(filt * z, self._v)

    def w_hat(self, w_star: np.ndarray, sigma2: float | np.ndarray) -> np.ndarray:
        """``ŵ = M̂(σ²) w*`` (paper A, Theorem 3) for ``w*`` of shape ``(..., 2^n)``.

        The result has shape ``sigma2.shape + w_star.shape`` (``σ²`` axes first).

        >>> TwoPhaseModel(3).w_hat(np.ones((5, 8)), np.logspace(-3, 0, 4)).shape
        (4, 5, 8)
        """
        return self.from_spectral(self.to_spectral(w_star), sigma2)

    def row_norms(self, sigma2: float | np.ndarray) -> np.ndarray:
        """``‖m̂_T‖_2`` for one ``T`` of each order ``k = 0..n``: shape ``sigma2.shape + (n+1,)``.

        By Theorem 4 every row of a given order has the same norm, so one representative per
        order suffices. Row ``T`` is ``(K⁻ᵀ F Kᵀ e_T)ᵀ``, computed with two butterflies.

        >>> TwoPhaseModel(3).row_norms(0.0)
        array([1., 1., 1., 1.])
        """
        n = self.n
        reps = np.array([ix[0] for ix in orders_index(n)])
        basis = np.zeros((n + 1, 2**n))
        basis[np.arange(n + 1), reps] = 1.0
        left = kron_apply(basis, self._v.T)  # Kᵀ e_T
        filt = self.filter(sigma2)
        rows = kron_apply(filt[..., None, :] * left, self._v_inv.T)
        return np.linalg.norm(rows, axis=-1)

    def r_ratios(self, sigma2: float | np.ndarray) -> np.ndarray:
        """``r^(k) = ‖m̂_T‖ / ‖m̂_T'‖``, ``|T| = k``, ``|T'| = k+1``, ``k = 1..n-1`` (Fig. 3).

        >>> bool(np.all(TwoPhaseModel(4).r_ratios(0.1) > 1))
        True
        """
        norms = self.row_norms(sigma2)
        return norms[..., 1:-1] / norms[..., 2:]


def w_hat(
    w_star: np.ndarray, sigma2: float | np.ndarray, method: Literal["kron", "solve"] = "kron"
) -> np.ndarray:
    """``ŵ = M̂(σ²) w*``, ``M̂ = (JᵀJ + 2^n diag(2^{|T|} σ²))⁻¹ JᵀJ`` (paper A, Theorem 3).

    ``w_star``: ``(..., 2^n)`` target interactions (``w*_∅ = v(x_∅)``). Returns
    ``sigma2.shape + w_star.shape``. ``method="kron"`` is the exact ``O(n 2^n)`` Kronecker
    solve (any ``n``); ``"solve"`` builds the dense system (``n ≤ 13``).

    >>> w = np.array([0.5, 1.0, 1.0, 1.0])
    >>> bool(np.allclose(w_hat(w, 0.01), w_hat(w, 0.01, method="solve")))
    True
    """
    arr, n = check_sets(w_star, "w_star")
    if method == "kron":
        return TwoPhaseModel(n).w_hat(arr, sigma2)
    if method != "solve":
        raise ValueError(f"method must be 'kron' or 'solve'; got {method!r}")
    s2 = check_sigma2(sigma2)
    out = [arr @ M_hat(n, float(s)).T for s in s2.ravel()]
    return np.stack(out).reshape(s2.shape + arr.shape)


def row_norms_by_order(n: int, sigma2: float | np.ndarray) -> np.ndarray:
    """``‖m̂_(k)‖_2`` for orders ``k = 0..n`` (Theorem 4: equal within an order).

    >>> np.round(row_norms_by_order(10, 1e-2)[:3], 3)
    array([0.973, 0.847, 0.641])
    """
    return TwoPhaseModel(n).row_norms(sigma2)


def r_ratios(n: int, sigma2: float | np.ndarray) -> np.ndarray:
    """``r^(k)(σ²) = ‖m̂_(k)‖ / ‖m̂_(k+1)‖`` for ``k = 1..n-1`` (paper A, Fig. 3, Prop. 1).

    Shape ``sigma2.shape + (n-1,)``; ``r^(k) > 1`` and grows with ``σ²``.

    >>> np.round(r_ratios(10, 1e-2)[:3], 3)
    array([1.322, 1.666, 1.983])
    """
    n = check_n(n, low=2)
    return TwoPhaseModel(n).r_ratios(sigma2)
