"""Five groups (paper C): synthetic curves of each kind with noise, selection, counts."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.dynamics.groups import (
    GROUPS,
    GroupRule,
    classify_curve,
    classify_curves,
    five_groups,
    top_interactions,
)
from harsanyi.errors import ShapeError
from harsanyi.zoo.synthetic import planted_group_curve


def make_curve(kind: str, rng: np.random.Generator, K: int, noise: float) -> np.ndarray:
    """A planted curve of one group with Gaussian noise (``noise`` × its largest value)."""
    c = planted_group_curve(kind, rng, np.linspace(0, 1, K))
    return c + rng.normal(0, noise * np.abs(c).max(), K)


@pytest.mark.parametrize("K", [12, 25])
@pytest.mark.parametrize("kind", GROUPS)
def test_planted_curves_with_noise_are_classified(kind, K):
    rng = np.random.default_rng(100 * GROUPS.index(kind) + K)
    curves = np.stack([make_curve(kind, rng, K, noise=0.02) for _ in range(60)])
    labels = classify_curves(curves)
    hits = (labels == kind).mean()
    assert hits >= 0.95, f"{kind}: {dict(zip(*np.unique(labels, return_counts=True), strict=True))}"


def test_noise_free_labels_satisfy_paper_conditions():
    rng = np.random.default_rng(1)
    for kind in ("reliable", "forgotten"):
        for _ in range(20):
            c = make_curve(kind, rng, 20, noise=0.0)
            assert classify_curve(c, GroupRule(smooth=1)) == kind
            prod = c[:-1] * np.diff(c)  # I_t ∇_t I_t
            assert (prod >= -1e-12).all() if kind == "reliable" else (prod <= 1e-12).all()
    for _ in range(20):
        c = make_curve("betraying", rng, 20, noise=0.0)
        assert classify_curve(c, GroupRule(smooth=1)) == "betraying"
        mid = int(np.argmax(np.sign(c) != np.sign(c[0])))
        assert (np.outer(c[:mid], c[mid:]) <= 0).all()  # ∀ t1 < t_mid < t2: I_t1 I_t2 ≤ 0


def test_sign_and_scale_invariance_and_tolerances():
    rng = np.random.default_rng(2)
    for kind in GROUPS:
        c = make_curve(kind, rng, 20, noise=0.01)
        label = classify_curve(c)
        assert classify_curve(-c) == label
        assert classify_curve(1e-6 * c) == label
    # one large glitch on a reliable curve: tolerated by default, not with violation=0
    c = 1 - np.exp(-np.linspace(0, 1, 20) / 0.2)
    c[12] -= 0.3
    assert classify_curve(c, GroupRule(smooth=1)) == "reliable"
    assert classify_curve(c, GroupRule(smooth=1, violation=0.0)) != "reliable"
    # rises, then falls back to 60% of its peak: neither reliable nor (by default) withdrawn
    t = np.linspace(0, 1, 20)
    bump = np.where(t < 0.4, t / 0.4, 1 - 0.4 * (t - 0.4) / 0.6)
    assert classify_curve(bump) == "fluctuating"
    assert classify_curve(bump, GroupRule(withdrawn_max=0.7)) == "withdrawn"
    assert classify_curve(np.zeros(5)) == "fluctuating"


def test_bad_inputs():
    with pytest.raises(ValueError, match="violation is a fraction"):
        GroupRule(violation=1.5)
    with pytest.raises(ValueError, match="smooth must be >= 1"):
        GroupRule(smooth=0)
    with pytest.raises(ShapeError, match=">= 2 checkpoints"):
        classify_curve(np.array([1.0]))
    with pytest.raises(ShapeError, match=r"\(K, B, 2\*\*n\)"):
        top_interactions(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ShapeError, match="epochs has shape"):
        five_groups(np.zeros((3, 1, 4)), np.zeros((3, 1, 4)), epochs=np.arange(2))


def test_five_groups_on_planted_interactions():
    rng = np.random.default_rng(3)
    K, B, n = 20, 3, 4
    a = rng.normal(0, 1e-3, size=(K, B, 2**n))
    o = rng.normal(0, 1e-3, size=(K, B, 2**n))
    o[..., [0, 1, 2, 4, 8]] = 0.0
    a[..., 0] = 100.0  # v(∅): never selected
    planted = {("and", 0b0011): "reliable", ("or", 0b0111): "withdrawn",
               ("and", 0b1000): "forgotten", ("or", 0b1111): "betraying",
               ("and", 0b0101): "fluctuating"}
    for b in range(B):
        for (kind, mask), group in planted.items():
            arr = a if kind == "and" else o
            arr[:, b, mask] = 5 * make_curve(group, rng, K, noise=0.01) / 3
    res = five_groups(a, o, k=5, epochs=np.arange(0, 40, 2))
    assert res.curves.shape == (B, 5, K) and res.labels.shape == (B, 5)
    for b in range(B):
        got = {("or" if res.kinds[b, r] else "and", int(res.masks[b, r])): res.labels[b, r]
               for r in range(5)}
        assert got == planted
    counts = res.counts()
    assert counts == {g: 1.0 for g in GROUPS}
    by_order = res.counts_by_order()
    assert by_order.shape == (5, n)  # orders 1..n
    assert by_order[GROUPS.index("betraying"), 3] == 1.0
    assert by_order[GROUPS.index("forgotten"), 0] == 1.0
    assert by_order.sum() == pytest.approx(5.0)
    curves = res.curves_of("reliable", normalize=True)
    assert curves.shape == (B, K) and np.abs(curves).max() == pytest.approx(1.0)
    frame = res.to_frame(players=["p0", "p1", "p2", "p3"])
    assert len(frame) == B * 5 and set(frame["group"]) == set(GROUPS)
    assert ("p0", "p1") in set(frame["players"])
    with pytest.raises(ValueError, match="unknown group"):
        res.curves_of("loyal")


def test_top_interactions_excludes_empty_and_or_singletons():
    K = 3
    a = np.zeros((K, 1, 4))
    o = np.zeros((K, 1, 4))
    a[:, 0, 0] = 9.0
    o[:, 0, 1] = 8.0  # an OR singleton (should live on the AND side): never selected
    a[:, 0, 2] = 1.0
    kinds, masks = top_interactions(a, o, k=10)
    assert kinds.shape == (1, 4)  # 3 AND (non-empty) + 1 OR pair
    assert masks[0, 0] == 2 and kinds[0, 0] == 0
    assert not ((kinds == 1) & (masks < 3)).any()


def test_five_groups_on_a_real_run_store(serial_store):
    a, o = serial_store.stack("and_values"), serial_store.stack("or_values")
    res = five_groups(a, o, k=20, epochs=serial_store.losses()["epoch"])
    B = len(serial_store.samples["split"])
    assert res.labels.shape == (B, 20) and res.curves.shape == (B, 20, 7)
    assert sum(res.counts().values()) == pytest.approx(20.0)
    # the selected curves are the strongest: every unselected candidate is weaker
    strength = np.abs(a).max(0)
    strength[:, 0] = 0
    for b in range(B):
        chosen = np.abs(res.curves[b]).max(-1).min()
        others = np.sort(strength[b])[::-1]
        assert chosen >= others[min(20, len(others) - 1)] - 1e-12
