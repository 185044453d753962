"""Extraction: the sparse AND-OR split (γ, bounded q), its solvers and the result type."""

from harsanyi.extract.indices import banzhaf_values, k_sii, shapley_taylor, shapley_values
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual, reconstruct
from harsanyi.extract.sparse import refit, sparse_and_or, union_support
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.extract.split import and_or, mobius

__all__ = [
    "Interactions",
    "SparseInteractions",
    "and_or",
    "banzhaf_values",
    "k_sii",
    "matching_residual",
    "mobius",
    "reconstruct",
    "refit",
    "shapley_taylor",
    "shapley_values",
    "sparse_and_or",
    "union_support",
]
