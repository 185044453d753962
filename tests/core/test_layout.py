"""Layout conversions and order helpers."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harsanyi.core import (
    from_by_order,
    from_dict,
    from_msb_first,
    mask_of,
    members,
    order_of_masks,
    orders_index,
    to_by_order,
    to_dict,
    to_msb_first,
)
from harsanyi.core.memory import check_players_fit, largest_n
from harsanyi.errors import TooManyPlayersError


@given(st.integers(0, 7))
def test_msb_first_matches_binary_repr(n):
    x = np.arange(2.0**n)
    y = to_msb_first(x)
    for j in range(2**n):
        bits = np.binary_repr(j, width=n) if n else ""
        ours = sum(1 << i for i, b in enumerate(bits) if b == "1")  # bits[0] is player 0
        assert y[j] == ours
    np.testing.assert_array_equal(from_msb_first(y), x)


@given(st.integers(0, 7))
def test_by_order_groups_by_cardinality(n):
    x = np.arange(2.0**n)
    y = to_by_order(x)
    orders = order_of_masks(n)[y.astype(int)]
    assert np.all(np.diff(orders) >= 0)
    np.testing.assert_array_equal(from_by_order(y), x)
    assert sum(len(ix) for ix in orders_index(n)) == 2**n


def test_dict_round_trip_and_members():
    x = np.random.default_rng(0).normal(size=16)
    d = to_dict(x)
    assert d[()] == x[0] and d[(0, 3)] == x[0b1001]
    np.testing.assert_array_equal(from_dict(d, 4), x)
    assert members(0b1011) == (0, 1, 3) and mask_of((0, 1, 3)) == 0b1011
    with pytest.raises(ValueError, match="out of range"):
        from_dict({(5,): 1.0}, 4)


def test_memory_bound_error_says_what_it_needs_and_what_fits():
    assert largest_n(8.0, 2**20) == 17
    with pytest.raises(TooManyPlayersError) as err:
        check_players_fit(40, 8.0, memory_bound=2**30)
    msg = str(err.value)
    assert "8.0 TiB" in msg and "largest n that fits is 27" in msg
