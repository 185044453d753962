"""Feature components (paper C): hooks, PCA, the component game against a brute-force head,
accuracy check, attribution, sparsity comparison."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harsanyi.errors import PlayerError
from harsanyi.games.components import (
    FeatureComponents,
    capture_features,
    component_accuracy,
    component_attribution,
    component_game,
    find_layer,
    fit_components,
    interaction_attribution,
)
from harsanyi.games.rewards import reward_from_outputs
from harsanyi.metrics import sparsity_comparison
from harsanyi.zoo.mlp import MLP


def _net(seed: int = 0, width: int = 8) -> MLP:
    torch.manual_seed(seed)
    return MLP(5, 3, n_layers=4, width=width).eval()


def test_layer_lookup_and_capture():
    net = _net()
    with pytest.raises(PlayerError, match=r"no layer named 'featur'.*did you mean 'feature'"):
        find_layer(net, "featur")
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    f = capture_features(net, "feature", x, batch_size=4)
    expected = net.body(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(f, expected, rtol=1e-6)
    assert net.training is False


def test_pca_recovers_planted_directions():
    rng = np.random.default_rng(1)
    K, B, m, r = 15, 4, 12, 3
    q, _ = np.linalg.qr(rng.normal(size=(m, r)))
    q = q.T  # (r, m) orthonormal
    scales = np.array([10.0, 3.0, 1.0])
    base = rng.normal(size=(B, m))
    coef = rng.normal(size=(K, B, r)) * scales
    f = base + coef @ q + 1e-3 * rng.normal(size=(K, B, m))
    comp = fit_components(f, r=r)
    overlap = comp.directions @ q.T
    np.testing.assert_allclose(np.linalg.svd(overlap)[1], 1.0, atol=1e-5)  # same subspace
    assert abs(overlap[0, 0]) > 0.98  # the dominant direction comes first
    assert (np.diff(comp.eigenvalues) < 0).all() and comp.spectrum.shape == (m,)
    np.testing.assert_allclose(comp.mean, f.mean(axis=0))
    # f = f̄ + Σ f_i + ε with ε tiny
    k = 4
    recon = comp.mean + comp.coefficients(f[k]) @ comp.directions
    assert np.abs(recon - f[k]).max() < 1e-2
    per = fit_components(f, r=r, mode="per_sample")
    assert per.directions.shape == (B, r, m) and per.eigenvalues.shape == (B, r)
    for b in range(B):
        np.testing.assert_allclose(np.linalg.svd(per.directions[b] @ q.T)[1], 1.0, atol=1e-4)
    with pytest.raises(PlayerError, match=r"K=3 checkpoints has rank <= K-1 = 2; r=3 .* at least "
                                          "r\\+1 = 4 checkpoints"):
        fit_components(f[:3], r=3, mode="per_sample")
    with pytest.raises(PlayerError, match="need 1 <= r <= 12"):
        fit_components(f, r=13)


def test_component_game_equals_brute_force_head():
    net = _net(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    feats = np.stack([capture_features(_net(s), "feature", x) for s in (2, 3, 4, 5)])
    comp = fit_components(feats, r=3)
    base_f = capture_features(net, "feature", x.mean(0, keepdims=True))[0]
    game = component_game(net, "feature", x, comp, base_f, target=[0, 1, 2], batch_size=5)
    f = capture_features(net, "feature", x)
    a = (f - comp.mean) @ comp.directions.T
    beta = (base_f - comp.mean) @ comp.directions.T
    for b in range(3):
        for L in range(8):
            bits = np.array([(L >> i) & 1 for i in range(3)])
            f_l = comp.mean[b] + (bits * a[b] + (1 - bits) * beta[b]) @ comp.directions
            z = net.head(torch.as_tensor(f_l[None], dtype=torch.float32))
            v = reward_from_outputs(z.detach(), torch.tensor([b]), "log_odds")
            assert game.values[b, L] == pytest.approx(float(v), abs=1e-5)
    assert game.players == ["c0", "c1", "c2"] and game.metadata["layer"] == "feature"


def test_accuracy_check_and_full_rank_reconstruction():
    net = _net(3, width=6)
    x = np.random.default_rng(3).normal(size=(40, 5)).astype(np.float32)
    y = np.random.default_rng(4).integers(0, 3, size=40)
    feats = np.stack([capture_features(_net(s, width=6), "feature", x) for s in (3, 4, 5)])
    full = fit_components(feats, r=6)  # r = m: nothing is dropped, f' = f
    raw, top = component_accuracy(net, "feature", x, y, full)
    expected = float((net(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    assert raw == top == expected
    # a zero direction drops the whole feature: f' = f̄, a different prediction
    none = FeatureComponents(np.zeros((1, 6)), full.mean, np.zeros(1), np.zeros(6), "pooled")
    f_bar_pred = net.head(torch.as_tensor(full.mean, dtype=torch.float32)).argmax(1).numpy()
    assert component_accuracy(net, "feature", x, y, none)[1] == float((f_bar_pred == y).mean())


def test_attribution_of_a_linear_feature():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    comp = FeatureComponents(np.eye(3)[:2], np.zeros((2, 3)), np.ones(2), np.ones(3), "pooled")
    x = np.random.default_rng(4).normal(size=(2, 4)).astype(np.float32)
    maps = component_attribution(net, "0", x, comp, reference=0.5)
    W = net[0].weight.detach().numpy()
    for b in range(2):
        for i in range(2):
            np.testing.assert_allclose(maps[b, i], (x[b] - 0.5) * W[i], rtol=1e-5)
    np.testing.assert_allclose(interaction_attribution(maps, 0b11), maps.sum(axis=1))
    with pytest.raises(ValueError, match="beyond r=2"):
        interaction_attribution(maps, 0b100)


def test_sparsity_comparison_prefers_sparse():
    rng = np.random.default_rng(5)
    sparse = np.zeros((4, 16))
    sparse[:, [1, 3]] = rng.normal(size=(4, 2))
    dense = rng.normal(size=(4, 16))
    res = sparsity_comparison((sparse, np.zeros_like(sparse)), (dense, np.zeros_like(dense)))
    assert res["component_fraction"] < res["raw_fraction"]
    assert res["component_curve"][0] == 1.0 and res["component_curve"].shape == (32,)
