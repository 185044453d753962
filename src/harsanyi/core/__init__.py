"""Set functions on bitmasks: fast transforms, order helpers and layout conversions."""

from harsanyi.core.layout import (
    from_by_order,
    from_dict,
    from_msb_first,
    to_by_order,
    to_dict,
    to_msb_first,
)
from harsanyi.core.memory import check_players_fit
from harsanyi.core.orders import mask_of, members, order_of_masks, orders_index
from harsanyi.core.transforms import (
    BLOCKED_MAX_N,
    flip_sets,
    kron_apply,
    kron_blocked,
    mobius,
    n_players,
    or_as_moebius,
    or_mobius,
    or_zeta,
    subset_difference,
    superset_sum,
    zeta,
)

__all__ = [
    "BLOCKED_MAX_N",
    "check_players_fit",
    "flip_sets",
    "from_by_order",
    "from_dict",
    "from_msb_first",
    "kron_apply",
    "kron_blocked",
    "mask_of",
    "members",
    "mobius",
    "n_players",
    "or_as_moebius",
    "or_mobius",
    "or_zeta",
    "order_of_masks",
    "orders_index",
    "subset_difference",
    "superset_sum",
    "to_by_order",
    "to_dict",
    "to_msb_first",
    "zeta",
]
