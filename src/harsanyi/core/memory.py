"""Memory bound for arrays of ``2**n`` masks: say what would be needed and what fits."""

from __future__ import annotations

import os

from harsanyi.errors import TooManyPlayersError

__all__ = ["DEFAULT_MEMORY_BOUND", "check_players_fit", "human_bytes", "largest_n"]

#: Default bound on one dense set-function array, in bytes (overridable by ``HARSANYI_MEMORY``).
DEFAULT_MEMORY_BOUND = int(float(os.environ.get("HARSANYI_MEMORY", 4 * 2**30)))


def human_bytes(nbytes: float) -> str:
    """Format a byte count: ``human_bytes(3 * 2**30) == '3.0 GiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(nbytes) < 1024 or unit == "EiB":
            return f"{nbytes:.1f} {unit}" if unit != "B" else f"{int(nbytes)} B"
        nbytes /= 1024
    raise AssertionError("unreachable")


def largest_n(per_set_bytes: float, memory_bound: int = DEFAULT_MEMORY_BOUND) -> int:
    """Largest ``n`` with ``2**n * per_set_bytes <= memory_bound``."""
    n = 0
    while (2 ** (n + 1)) * per_set_bytes <= memory_bound:
        n += 1
    return n


def check_players_fit(
    n: int,
    per_set_bytes: float,
    memory_bound: int | None = None,
    what: str = "the 2**n masked values",
) -> None:
    """Raise :class:`TooManyPlayersError` when ``2**n * per_set_bytes`` exceeds the bound.

    ``per_set_bytes`` is the memory one subset costs (e.g. ``8 * batch`` for float64 values of a
    batch of samples, times the number of arrays kept alive).

    >>> check_players_fit(10, 8.0)
    """
    bound = DEFAULT_MEMORY_BOUND if memory_bound is None else memory_bound
    need = (2**n) * per_set_bytes
    if need > bound:
        raise TooManyPlayersError(
            f"n={n} players means 2**{n} = {2**n:,} subsets; {what} would need "
            f"{human_bytes(need)}, over the memory bound of {human_bytes(bound)}. "
            f"The largest n that fits is {largest_n(per_set_bytes, bound)} "
            f"(raise the bound with memory_bound=... or HARSANYI_MEMORY)."
            + (" For more players, evaluate a sample of the masks instead: model_game(..., "
               "budget=B) and the sparse extraction (docs/sparse.md)." if n > 20 else "")
        )
