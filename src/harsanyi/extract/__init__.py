"""Extraction: the sparse AND-OR split (γ, bounded q), its solvers and the result type."""

import importlib
from typing import Any

from harsanyi.extract.indices import banzhaf_values, k_sii, shapley_taylor, shapley_values
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual, reconstruct
from harsanyi.extract.result_io import load_interactions
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.extract.split import and_or, mobius

#: Names of :mod:`harsanyi.extract.sparse`, loaded on first use (it imports SciPy's HiGHS).
_SPARSE = ("refit", "sparse_and_or", "union_support")


def __getattr__(name: str) -> Any:
    """Load the sparse extraction's functions on first use (PEP 562)."""
    if name in _SPARSE:
        return getattr(importlib.import_module("harsanyi.extract.sparse"), name)
    raise AttributeError(f"module 'harsanyi.extract' has no attribute {name!r}")

__all__ = [
    "Interactions",
    "SparseInteractions",
    "and_or",
    "banzhaf_values",
    "k_sii",
    "load_interactions",
    "matching_residual",
    "mobius",
    "reconstruct",
    "refit",
    "shapley_taylor",
    "shapley_values",
    "sparse_and_or",
    "union_support",
]
