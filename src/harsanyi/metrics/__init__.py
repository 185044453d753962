"""Metrics of interactions: matching, salience and sparsity, statistics over orders.

The one home of every statistic over orders (orders ``1..n``, AND and OR pooled, NaN where
nothing is salient) and of the salient threshold ``τ = ratio · reference``.
"""

from harsanyi.metrics.matching import alpha_hat, matching_error, matching_residual, top_alpha_errors
from harsanyi.metrics.orders import (
    distribution_from_strength,
    mean_abs_by_order,
    mean_order,
    real_distribution,
    signed_strength_by_order,
    strength_by_order,
)
from harsanyi.metrics.sparsity import (
    REFERENCES,
    Reference,
    salient_count,
    salient_threshold,
    sparsity_comparison,
    sparsity_curve,
)

__all__ = [
    "REFERENCES",
    "Reference",
    "alpha_hat",
    "distribution_from_strength",
    "matching_error",
    "matching_residual",
    "mean_abs_by_order",
    "mean_order",
    "real_distribution",
    "salient_count",
    "salient_threshold",
    "signed_strength_by_order",
    "sparsity_comparison",
    "sparsity_curve",
    "strength_by_order",
    "top_alpha_errors",
]
