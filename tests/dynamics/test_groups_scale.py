"""The per-checkpoint scale option of the five groups: planted shapes under a growing output.

A game whose scale ``|v_t(N) − v_t(∅)|`` grows ~750x during training (as the log-odds of an
over-fitting network do) multiplies every interaction's share of the output by that growth.
A share that decays from the start ("forgotten") then rises and falls in raw values; divided
by the scale it is recognised again, and shares that grow stay "reliable" either way.
"""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.dynamics.groups import five_groups
from harsanyi.errors import ShapeError

K = 13
T = np.linspace(0, 1, K)
SCALE = 1 + 749 * T**0.7  # the game's scale grows ~750x, fastest early


def _planted(shares: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """AND values (K, 1, 2**3) whose masks 1.. carry ``share · scale``; OR values zero."""
    a = np.zeros((K, 1, 8))
    for m, share in enumerate(shares, start=1):
        a[:, 0, m] = share * SCALE
    return a, np.zeros_like(a)


def test_scale_recovers_forgotten_shares_that_raw_curves_hide():
    forgotten = 2.0 * np.exp(-T / 0.15)
    reliable = 1.5 * (1 - np.exp(-T / 0.2))
    a, o = _planted([forgotten, reliable])
    scale = np.broadcast_to(SCALE[:, None], (K, 1))
    raw = five_groups(a, o, k=2)
    scaled = five_groups(a, o, k=2, scale=scale)
    by_mask = lambda res: dict(zip(res.masks[0].tolist(), res.labels[0].tolist(),  # noqa: E731
                                   strict=True))
    assert by_mask(raw)[1] != "forgotten"
    assert by_mask(scaled) == {1: "forgotten", 2: "reliable"}
    assert by_mask(raw)[2] == "reliable"
    # the selection is on the raw values: the same interactions are tracked both ways
    assert sorted(raw.masks[0].tolist()) == sorted(scaled.masks[0].tolist())


def test_scale_must_match_checkpoints_and_samples_and_be_positive():
    a, o = _planted([np.ones(K)])
    with pytest.raises(ShapeError, match="scale"):
        five_groups(a, o, k=1, scale=np.ones((K, 2)))
    with pytest.raises(ShapeError, match="positive"):
        five_groups(a, o, k=1, scale=np.zeros((K, 1)))
