"""Is the explained input ``x_N`` the input ``x``? ``v(N)`` beside the model's output ``f(x)``.

``v(N) = v(x_N)`` is the model on the masked input with every player present. It equals the
model's own output ``f(x)`` on the unmasked input only when nothing outside the players is
changed: with ``outside="masked"`` (the papers' convention for image patches) the elements of
no player sit at the baseline, and a text game may replace special tokens or padding. Every
:func:`~harsanyi.model_game` records both (``metadata["v_full"]``, ``metadata["f_x"]``) and
warns once per call when they differ.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from harsanyi.errors import ExplainedInputWarning

__all__ = ["RTOL", "explained_gap", "explained_note", "warn_if_not_x"]

#: Relative gap ``|v(N) − f(x)| / max(|v(N)|, |f(x)|, 1)`` above which a warning is issued
#: (float64 models; a float32 model's own rounding across batch sizes, ~1e-7 of its logits,
#: gets ``64·eps``, 7.6e-6, see :func:`~harsanyi.games.model_game`).
RTOL = 1e-6


def explained_gap(v_full: Any, f_x: Any) -> np.ndarray:
    """Relative gap ``|v(N) − f(x)| / max(|v(N)|, |f(x)|, 1)`` per sample (absolute below 1).

    >>> explained_gap([1.0, -3.03, 0.0], [1.0, -0.14, 0.0]).round(3).tolist()
    [0.0, 0.954, 0.0]
    """
    v_full, f_x = np.asarray(v_full, np.float64), np.asarray(f_x, np.float64)
    scale = np.maximum(np.maximum(np.abs(v_full), np.abs(f_x)), 1.0)
    return np.abs(v_full - f_x) / scale


def warn_if_not_x(v_full: Any, f_x: Any, why: str, *, rtol: float = RTOL,
                  stacklevel: int = 3) -> bool:
    """Warn (one :class:`~harsanyi.errors.ExplainedInputWarning` for the whole batch) when
    ``v(N)`` and ``f(x)`` differ by more than ``rtol`` (see :func:`explained_gap`); ``why``
    names the likely cause. Returns whether it warned.

    >>> warn_if_not_x([1.0, 2.0], [1.0, 2.0 + 1e-9], "")
    False
    """
    gap = explained_gap(v_full, f_x)
    bad = np.flatnonzero(gap > rtol)
    if not bad.size:
        return False
    worst = int(bad[np.argmax(gap[bad])])
    v_w, f_w = float(np.ravel(v_full)[worst]), float(np.ravel(f_x)[worst])
    warnings.warn(
        f"v(N) is not the model's output on x for {bad.size} of {gap.size} sample(s): on sample "
        f"{worst}, v(N) = {v_w:.6g} on the explained input x_N but f(x) = {f_w:.6g} on the "
        f"unmasked input ({gap[worst]:.2g} relative). {why} The interactions explain v(x_N); "
        "both values are kept in game.metadata['v_full'] and ['f_x'].",
        ExplainedInputWarning, stacklevel=stacklevel,
    )
    return True


def explained_note(v_full: Any, f_x: Any) -> str | None:
    """One sentence for a report: ``v(N)`` beside ``f(x)`` over the samples (``None`` when
    either was not recorded).

    >>> explained_note([-3.03, 1.0], [-0.14, 1.0]).split(" (")[-1]
    'largest gap 2.89 on sample 0): the interactions explain x_N, not x.'
    """
    if not v_full or not f_x or len(v_full) != len(f_x):
        return None
    v_full, f_x = np.asarray(v_full, np.float64), np.asarray(f_x, np.float64)
    gap = np.abs(v_full - f_x)
    worst = int(np.argmax(gap))
    head = (f"v(N) on the explained input x_N averages {v_full.mean():.4g} over {v_full.size} "
            f"samples, the model's output f(x) on the unmasked input {f_x.mean():.4g}")
    if not (explained_gap(v_full, f_x) > RTOL).any():
        return head + ": the explained input is x."
    return (head + f" (largest gap {gap[worst]:.3g} on sample {worst}): the interactions "
            "explain x_N, not x.")
