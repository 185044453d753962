"""Extraction: the sparse AND-OR split (γ, bounded q), its solvers and the result type."""

from harsanyi.extract.indices import banzhaf_values, k_sii, shapley_taylor, shapley_values
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual, reconstruct
from harsanyi.extract.split import and_or, mobius

__all__ = [
    "Interactions",
    "and_or",
    "banzhaf_values",
    "k_sii",
    "matching_residual",
    "mobius",
    "reconstruct",
    "shapley_taylor",
    "shapley_values",
]
