"""Paper D's decay/spindle split of the strength by order at every checkpoint of a run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harsanyi.analysis.folder import DecaySpindleRecord
from harsanyi.analysis.guard import exhaustive
from harsanyi.metrics import salient_threshold, signed_strength_by_order
from harsanyi.store import RunArrays, Split
from harsanyi.theory.generalization import Disentangled, disentangle

__all__ = ["DecaySpindleRun", "analyse_decay_spindle", "decay_spindle_record"]


@dataclass(frozen=True)
class DecaySpindleRun:
    """Result of :func:`analyse_decay_spindle`.

    :func:`analyse_decay_spindle`'s result: per-checkpoint fits and the ``(K, n)``
    magnitudes ``|part⁺| + |part⁻|`` of each part, and of the real strength.
    """

    epochs: np.ndarray
    fits: list[Disentangled]
    decay: np.ndarray
    spindle: np.ndarray
    real: np.ndarray


def analyse_decay_spindle(arr: RunArrays, *, split: Split = "all", ratio: float = 0.0,
                          **options: Any) -> DecaySpindleRun:
    """Paper D's decay/spindle split (:func:`harsanyi.theory.disentangle`) at each checkpoint.

    ``A^(m),±`` averaged over the samples with threshold ``τ_t = ratio·E_x|v_t(N) − v_t(∅)|``
    (``reference="total"``; ``0``: every interaction, paper D); ``options`` go to
    ``disentangle`` (``decay``, ``decay_grid``, ``spindle_base``, ``weights``).

    >>> from harsanyi.analysis.example import example_store
    >>> res = analyse_decay_spindle(example_store().arrays())
    >>> res.decay.shape, bool(res.spindle[0].sum() > res.decay[0].sum())  # noise at t = 0
    ((6, 4), True)
    """
    sub = exhaustive(arr, "the decay/spindle split").select(split)
    tau = salient_threshold(sub.values, ratio)
    pos, neg = (x.mean(axis=1) for x in signed_strength_by_order(sub.and_values,
                                                                  sub.or_values, tau))
    fits, decay, spindle = [], np.zeros_like(pos), np.zeros_like(pos)
    for t in range(sub.epochs.size):
        fit = disentangle(pos[t], neg[t], **options)
        fits.append(fit)
        decay[t] = np.abs(fit.pos.decay_part) + np.abs(fit.neg.decay_part)
        spindle[t] = np.abs(fit.pos.spindle_part) + np.abs(fit.neg.spindle_part)
    return DecaySpindleRun(sub.epochs, fits, decay, spindle, np.abs(pos) + np.abs(neg))


def decay_spindle_record(res: DecaySpindleRun) -> DecaySpindleRecord:
    """Return what ``decay_spindle.npz`` stores."""
    return DecaySpindleRecord(res.decay, res.spindle, res.real, res.epochs)
