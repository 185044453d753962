"""Theory of interaction dynamics, on plain arrays.

Theory of interaction dynamics: paper A's two-phase model, paper B's spindle, paper D's
decay/spindle disentangling and paper E's sparsity bound.

Pure functions on arrays: statistics over orders come from :mod:`harsanyi.metrics`; reading a
run store and writing results is :mod:`harsanyi.analysis`'s job.
"""

from harsanyi.theory.distributions import (
    build_w_star,
    real_distribution_of,
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
    "real_distribution_of",
    "row_norms_by_order",
    "sparsity_bound",
    "sparsity_table",
    "spindle_family",
    "spindle_profile",
    "strength_change",
    "theoretical_curves",
    "theoretical_distribution",
    "w_hat",
]
