"""Superpixels (captum's feature_mask) as players, shared or one map per image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import harsanyi as hs
from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games import ElementMasks, Superpixels
from harsanyi.games.masking import MaskBuilder


def small_cnn() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.Tanh(),
                               torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3)).eval()


def brute(model, image, masks, base=0.0):
    """v(x_S) by hand: pixels of players in S keep x, all others take the baseline."""
    out = []
    for m in range(2 ** len(masks)):
        keep = np.zeros(masks[0].shape, dtype=bool)
        for i, mk in enumerate(masks):
            if (m >> i) & 1:
                keep |= mk
        x = torch.where(torch.as_tensor(keep), image, torch.full_like(image, base))
        with torch.no_grad():
            z = model(x[None])
        out.append(float(z[0, 1] - torch.logsumexp(z[0, [0, 2]], 0)))
    return np.array(out)


def test_one_map_for_all_images_matches_brute_force():
    model, x = small_cnn(), torch.randn(2, 2, 6, 6, generator=torch.Generator().manual_seed(1))
    fm = np.repeat(np.arange(3), 12).reshape(6, 6)  # three horizontal bands
    game = hs.model_game(model, x, Superpixels(fm), target=1)
    assert game.players == ["seg0", "seg1", "seg2"]
    masks = [np.broadcast_to(fm == v, (2, 6, 6)) for v in range(3)]
    for b in range(2):
        np.testing.assert_allclose(game.values[b], brute(model, x[b], masks), atol=1e-5)
    same = hs.model_game(model, x, ElementMasks(np.stack(masks)), target=1)
    np.testing.assert_array_equal(game.values, same.values)


def test_one_map_per_image_gives_per_image_players_and_names():
    model, x = small_cnn(), torch.randn(2, 2, 6, 6, generator=torch.Generator().manual_seed(2))
    fm = np.zeros((2, 1, 6, 6), dtype=np.int64)  # captum's (B, 1, H, W)
    fm[0, 0, :, 3:] = 1
    fm[1, 0, 3:, :] = 5
    fm[1, 0, :3, :] = 7
    sp = Superpixels(fm)
    assert sp.sample_names == [["seg0", "seg1"], ["seg5", "seg7"]]
    game = hs.model_game(model, x, sp, target=1)
    for b in range(2):
        labels = np.unique(fm[b, 0])
        masks = [np.broadcast_to(fm[b, 0] == v, (2, 6, 6)) for v in labels]
        np.testing.assert_allclose(game.values[b], brute(model, x[b], masks), atol=1e-5)
    assert game[1].players == ["seg5", "seg7"]
    I = hs.and_or(game, q_bound=0.0, solver="exact")
    assert I[1].players == ["seg5", "seg7"] and I[0:1].metadata["sample_players"] == [
        ["seg0", "seg1"]]


def test_superpixel_errors_say_what_to_do():
    with pytest.raises(PlayerError, match="image 1 has 1 segment"):
        Superpixels(np.array([[[1, 2]], [[5, 5]]]))
    with pytest.raises(PlayerError, match="integer map"):
        Superpixels(np.zeros((4, 4)))
    with pytest.raises(ShapeError, match="feature_mask covers 2x2 pixels"):
        Superpixels(np.eye(2, dtype=int)).element_masks((3, 4, 4))
    with pytest.raises(ShapeError, match="maps for 2 images, the inputs have 3"):
        hs.model_game(small_cnn(), torch.zeros(3, 2, 6, 6),
                      Superpixels(np.zeros((2, 6, 6), dtype=int)), target=0)
    sp = Superpixels(np.arange(36).reshape(6, 6) // 9, segments=[0, 3])
    assert sp.names == ["seg0", "seg3"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_per_sample_owners_matmul_and_select_agree(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 5, generator=g, dtype=dtype) * 1e3
    base = torch.randn(3, 4, 5, generator=g, dtype=dtype)
    owner = np.stack([np.random.default_rng(b).integers(-1, 3, size=(4, 5)) for b in range(3)])
    idx = np.array([1, 7, 8, 9, 14, 16, 23, 23])
    a, rows = MaskBuilder(x, base, owner, 3, False, method="matmul")(idx)
    c, _ = MaskBuilder(x, base, owner, 3, False, method="select")(idx)
    assert torch.equal(a, c)
    for r, item in enumerate(idx):
        b, m = divmod(int(item), 8)
        present = np.isin(owner[b], [i for i in range(3) if (m >> i) & 1])
        want = torch.where(torch.as_tensor(present), x[b], base[b])
        assert torch.equal(a[r], want) and int(rows[r]) == b


def test_to_frame_names_each_samples_players():
    model, x = small_cnn(), torch.randn(2, 2, 6, 6, generator=torch.Generator().manual_seed(3))
    fm = np.zeros((2, 6, 6), dtype=np.int64)
    fm[0, :, 3:] = 1
    fm[1, :3] = 4
    I = hs.and_or(hs.model_game(model, x, Superpixels(fm), target=1), q_bound=0.0,
                  solver="exact")
    frame = I.to_frame(skip_zeros=False)
    assert set(frame[frame["sample"] == 1]["players"]) == {"∅", "seg0", "seg4", "seg0 & seg4",
                                                         "seg0 | seg4"}
    assert "seg1" in set(frame[frame["sample"] == 0]["players"])
