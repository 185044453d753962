"""Theory of interaction dynamics, on plain arrays.

Paper A's two-phase model, paper B's spindle, paper D's decay/spindle disentangling and paper
E's sparsity bound. The formulas and their provenance: docs/theory.md.
"""

from harsanyi.theory.distributions import (
    build_w_star,
    real_distribution,
    salient_threshold,
    strength_by_order,
    theoretical_distribution,
)
from harsanyi.theory.fit import (
    TwoPhaseFit,
    fit_sigma2,
    fit_two_phase,
    isotonic_nonincreasing,
    log_grid,
    theoretical_curves,
)
from harsanyi.theory.generalization import (
    Disentangled,
    SignFit,
    decay_family,
    disentangle,
    signed_strength,
    strength_change,
)
from harsanyi.theory.sparsity import (
    SparsityBound,
    base_n_digits,
    estimate_p,
    is_monotone,
    mean_u_by_order,
    sparsity_bound,
)
from harsanyi.theory.sparsity_table import SparsityTable, check_monotone_share, sparsity_table
from harsanyi.theory.spindle import spindle_family, spindle_profile
from harsanyi.theory.two_phase import (
    M_hat,
    TwoPhaseModel,
    gram_matrix,
    gram_matvec,
    penalty_diag,
    r_ratios,
    row_norms_by_order,
    w_hat,
)

__all__ = [
    "Disentangled",
    "M_hat",
    "SignFit",
    "SparsityBound",
    "SparsityTable",
    "TwoPhaseFit",
    "TwoPhaseModel",
    "base_n_digits",
    "build_w_star",
    "check_monotone_share",
    "decay_family",
    "disentangle",
    "estimate_p",
    "fit_sigma2",
    "fit_two_phase",
    "gram_matrix",
    "gram_matvec",
    "is_monotone",
    "isotonic_nonincreasing",
    "log_grid",
    "mean_u_by_order",
    "penalty_diag",
    "r_ratios",
    "real_distribution",
    "row_norms_by_order",
    "salient_threshold",
    "signed_strength",
    "sparsity_bound",
    "sparsity_table",
    "spindle_family",
    "spindle_profile",
    "strength_by_order",
    "strength_change",
    "theoretical_curves",
    "theoretical_distribution",
    "w_hat",
]
