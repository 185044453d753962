"""MaskBuilder: the matmul path equals the select path bit for bit, and falls back safely."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harsanyi.games.masking import MaskBuilder
from harsanyi.games.patches import Patches
from harsanyi.games.players import owner_map


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_matmul_and_select_agree_bit_for_bit(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, 8, 8, generator=g, dtype=dtype) * 1e3
    base = torch.randn(3, 2, 8, 8, generator=g, dtype=dtype)
    owner = owner_map(Patches([0, 5, 10, 15], grid=4), (2, 8, 8))
    idx = np.array([5, 9, 15, 16, 17, 30, 31, 32, 47, 47])  # three samples, padded tail
    fast = MaskBuilder(x, base, owner, 4, outside_present=True, method="matmul")
    slow = MaskBuilder(x, base, owner, 4, outside_present=True, method="select")
    a, rows = fast(idx)
    b, _ = slow(idx)
    assert fast.method == "matmul" and torch.equal(a, b)
    assert rows.tolist() == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    # row 1 = sample 0, mask 9 = players 0 and 3: by hand
    want = base[0].clone()
    want[:, :, 6:] = x[0, :, :, 6:]  # outside present: cells of no player keep x
    want[:, :, :6] = base[0, :, :, :6]
    for r, c in ((0, 0), (3, 3)):
        want[:, 2 * r:2 * r + 2, 2 * c:2 * c + 2] = x[0, :, 2 * r:2 * r + 2, 2 * c:2 * c + 2]
    outside = torch.as_tensor(owner < 0)
    want = torch.where(outside, x[0], want)
    assert torch.equal(a[1], want)


def test_auto_picks_select_when_matmul_could_round():
    x = torch.ones(1, 4)
    owner = np.array([0, 1, -1, -1])
    prev = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("high")
        assert MaskBuilder(x, x * 0, owner, 2, False).method == "select"
    finally:
        torch.set_float32_matmul_precision(prev)
    assert MaskBuilder(x, x * 0, owner, 2, False).method == "matmul"
    inf = torch.tensor([[1.0, float("inf"), 0.0, 0.0]])
    assert MaskBuilder(inf, inf * 0, owner, 2, False).method == "select"
    assert MaskBuilder(x.half(), x.half(), owner, 2, False).method == "select"


def test_falls_back_when_the_first_batch_differs():
    x = torch.arange(1.0, 5.0)[None]
    owner = np.array([0, 1, 1, -1])
    build = MaskBuilder(x, torch.zeros_like(x), owner, 2, False, method="matmul")
    build._matmul = lambda bits, runs: torch.full((len(bits), 4), 7.0)  # a rounding backend
    out, _ = build(np.arange(4))
    assert build.method == "select"
    assert out.tolist() == [[0, 0, 0, 0], [1, 0, 0, 0], [0, 2, 3, 0], [1, 2, 3, 0]]
    with pytest.raises(ValueError, match="method must be 'auto', 'matmul' or 'select'"):
        MaskBuilder(x, x, owner, 2, False, method="fast")
