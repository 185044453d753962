"""Players: element masks, names, owner maps and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games.patches import Patches
from harsanyi.games.players import (
    Columns,
    ElementMasks,
    Groups,
    Tokens,
    owner_map,
)


def test_columns_groups_and_names():
    c = Columns([3, [0, 1]])
    assert c.names == ["x3", "x0+x1"]
    m = c.element_masks((5,))
    assert m.tolist() == [[False, False, False, True, False], [True, True, False, False, False]]
    assert owner_map(c, (5,)).tolist() == [1, 1, -1, 0, -1]


def test_columns_all_resolves_on_data_shape():
    c = Columns("all")
    with pytest.raises(PlayerError, match="no size until it sees the data"):
        _ = c.n
    assert owner_map(c, (4,)).tolist() == [0, 1, 2, 3]
    assert c.n == 4 and c.names == ["x0", "x1", "x2", "x3"]
    named = Columns("all", column_names=["a", "b"])
    assert named.names == ["a", "b"]


def test_patches_cover_cells_by_nearest_upsampling():
    p = Patches([(0, 1), 6], grid=(3, 3))
    m = p.element_masks((2, 7, 6))  # 7 rows: cells by floor(y * 3 / 7)
    rows = (np.arange(7) * 3) // 7
    cols = (np.arange(6) * 3) // 6
    expect0 = (rows[:, None] == 0) & (cols[None, :] == 1)
    expect1 = (rows[:, None] == 2) & (cols[None, :] == 0)
    assert np.array_equal(m[0, 0], expect0) and np.array_equal(m[0, 1], expect0)
    assert np.array_equal(m[1, 1], expect1)
    assert p.names == ["patch(0,1)", "patch(2,0)"]


def test_patches_random_stays_in_central_region_and_is_seeded():
    a = Patches.random(10, grid=8, region=6, seed=3)
    b = Patches.random(10, grid=8, region=6, seed=3)
    c = Patches.random(10, grid=8, region=6, seed=4)
    assert a.cells == b.cells and a.cells != c.cells
    assert len(set(a.cells)) == 10
    assert all(1 <= r <= 6 and 1 <= col <= 6 for r, col in a.cells)


def test_tokens_names_from_text_and_rows():
    t = Tokens([1, [2, 3]], tokens=["the", "very", "good", "film"])
    assert t.names == ["very", "good film"]
    m = t.element_masks((4, 2))
    assert m[1].tolist() == [[False, False], [False, False], [True, True], [True, True]]
    assert Tokens([0]).names == ["tok0"]


def test_groups_along_a_middle_axis():
    g = Groups([[0], [2, 3]], axis=0, names=["head", "tail"])
    m = g.element_masks((4, 3))
    assert m[1, 2].all() and not m[1, 1].any() and m[0, 0].all()


def test_element_masks_shape_checked():
    em = ElementMasks(np.eye(3, dtype=bool))
    assert owner_map(em, (3,)).tolist() == [0, 1, 2]
    with pytest.raises(ShapeError, match=r"element shape \(3,\), the samples \(4,\)"):
        owner_map(em, (4,))


def test_overlapping_players_raise():
    with pytest.raises(PlayerError, match="players overlap: x0\\+x1 and x1 both own element"):
        owner_map(Columns([[0, 1], 1]), (3,))
    with pytest.raises(PlayerError, match=r"cell \(0, 0\) is given twice"):
        Patches([0, (0, 0)], grid=2)
    with pytest.raises(PlayerError, match="players overlap"):
        owner_map(ElementMasks([[True, True], [False, True]]), (2,))


def test_out_of_range_players_raise():
    with pytest.raises(PlayerError, match=r"player 1 \(x7\) uses index 7, outside 0..4"):
        owner_map(Columns([0, 7]), (5,))
    with pytest.raises(PlayerError, match=r"cell \(8,0\) is outside the 8x8 grid"):
        Patches([(8, 0)])
    with pytest.raises(PlayerError, match="does not fit an image of 4x4 pixels"):
        owner_map(Patches([0], grid=8), (3, 4, 4))
    with pytest.raises(PlayerError, match="cannot draw n=40 distinct cells"):
        Patches.random(40, grid=8, region=6)
    with pytest.raises(PlayerError, match="owns no element"):
        owner_map(ElementMasks([[True, False], [False, False]]), (2,))
    with pytest.raises(ShapeError, match="axis 2 does not exist"):
        owner_map(Groups([[0]], axis=2), (3, 3))
    with pytest.raises(PlayerError, match="empty group"):
        Groups([[0], []])
