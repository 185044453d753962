"""Theory of interaction dynamics: paper A's two-phase model, paper B's spindle, paper D's
decay/spindle disentangling and paper E's sparsity bound. See ``docs`` and THEORY.md."""

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
    "M_hat",
    "TwoPhaseModel",
    "gram_matrix",
    "gram_matvec",
    "penalty_diag",
    "r_ratios",
    "row_norms_by_order",
    "w_hat",
    "salient_threshold",
    "strength_by_order",
    "real_distribution",
    "build_w_star",
    "theoretical_distribution",
    "log_grid",
    "theoretical_curves",
    "isotonic_nonincreasing",
    "TwoPhaseFit",
    "fit_sigma2",
    "fit_two_phase",
    "spindle_profile",
    "spindle_family",
    "signed_strength",
    "strength_change",
    "decay_family",
    "SignFit",
    "Disentangled",
    "disentangle",
    "mean_u_by_order",
    "is_monotone",
    "estimate_p",
    "base_n_digits",
    "SparsityBound",
    "sparsity_bound",
    "SparsityTable",
    "sparsity_table",
    "check_monotone_share",
]
