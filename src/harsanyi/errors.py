"""Exceptions raised by harsanyi. Each subclasses the builtin a user would try to catch."""

from __future__ import annotations

__all__ = [
    "BudgetError",
    "CheckpointError",
    "ConfigMismatchError",
    "DamagedCheckpointWarning",
    "DataFormatError",
    "DesignMismatchError",
    "ExplainedInputWarning",
    "HarsanyiError",
    "NonFiniteOutputError",
    "PlayerError",
    "ReportFolderError",
    "RunSetupError",
    "SampledRunError",
    "SchedulerUnreachableError",
    "ShapeError",
    "StoreError",
    "StoreLockedError",
    "TargetError",
    "TheoryInputError",
    "TooManyPlayersError",
]


class HarsanyiError(Exception):
    """Base class of every error raised on purpose by harsanyi."""


class ShapeError(HarsanyiError, ValueError):
    """An array has the wrong shape (inputs, baselines, values of a game...)."""


class PlayerError(HarsanyiError, ValueError):
    """Players overlap, fall outside the input, or are otherwise ill-defined."""


class TooManyPlayersError(HarsanyiError, MemoryError):
    """``2**n`` masks would not fit in the memory bound."""


class NonFiniteOutputError(HarsanyiError, FloatingPointError):
    """The model returned NaN or inf on some masked input."""


class TargetError(HarsanyiError, IndexError):
    """A target class index is out of range for the model's output."""


class StoreError(HarsanyiError, OSError):
    """A run store is missing, corrupted or half-written."""


class ConfigMismatchError(StoreError):
    """A run store was created with another configuration."""


class CheckpointError(HarsanyiError, ValueError):
    """A checkpoint does not fit the model (missing or unexpected keys)."""


class TheoryInputError(HarsanyiError, ValueError):
    """Bad input to a theory model (negative sigma2, empty salient set, mismatched n...)."""


class DataFormatError(HarsanyiError, ValueError):
    """A data file exists but is not in the expected format (corrupt, truncated, wrong kind)."""


class ReportFolderError(HarsanyiError, FileExistsError):
    """The output folder exists and is not a harsanyi report (or is not a folder at all)."""


class SchedulerUnreachableError(HarsanyiError, ConnectionError):
    """The Dask scheduler given with ``--scheduler`` cannot be reached."""


class StoreLockedError(StoreError):
    """Another live process (named by PID and host) is writing the run store."""


class RunSetupError(HarsanyiError, ValueError):
    """A run cannot start (factory, checkpoints, players or data); nothing was written."""


class DamagedCheckpointWarning(UserWarning):
    """A stored checkpoint fails verification and is skipped by an analysis."""


class ExplainedInputWarning(UserWarning):
    """``v(N)``, the model on the explained input ``x_N``, differs from its output on ``x``."""


class BudgetError(HarsanyiError, ValueError):
    """A budget of model calls is too small for the sampling design (the message names it)."""


class DesignMismatchError(ConfigMismatchError):
    """A sampled run store was made with another sampling design (other masks)."""


class SampledRunError(HarsanyiError, ValueError):
    """An analysis needs all ``2**n`` values and the run is sampled (only a design's masks)."""
