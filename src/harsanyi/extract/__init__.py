"""Extraction: the sparse AND-OR split (γ, bounded q), its solvers and the result type."""

from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual, reconstruct
from harsanyi.extract.split import and_or, mobius

__all__ = ["Interactions", "and_or", "matching_residual", "mobius", "reconstruct"]
