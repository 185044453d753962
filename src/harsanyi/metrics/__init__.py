"""Metrics of interactions: matching, sparsity, salient counts, distributions over orders."""

from harsanyi.metrics.matching import alpha_hat, matching_error, matching_residual
from harsanyi.metrics.orders import mean_abs_by_order, real_distribution, signed_strength_by_order
from harsanyi.metrics.sparsity import (
    salient_count,
    salient_threshold,
    sparsity_comparison,
    sparsity_curve,
)

__all__ = [
    "alpha_hat",
    "matching_error",
    "matching_residual",
    "mean_abs_by_order",
    "real_distribution",
    "salient_count",
    "salient_threshold",
    "signed_strength_by_order",
    "sparsity_comparison",
    "sparsity_curve",
]
