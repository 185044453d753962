"""Progress bars for long work: tqdm, shown (by default) once the work has run :data:`DELAY_S`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

__all__ = ["DELAY_S", "progress_bar"]

#: Seconds of work before a bar appears: short work never shows one.
DELAY_S = 2.0


def progress_bar(iterable: Iterable[Any], progress: bool | None, *, desc: str, unit: str,
                 total: int | None = None) -> Any:
    """``iterable`` wrapped in a tqdm bar that appears after :data:`DELAY_S` seconds.

    ``progress``: ``None`` (automatic, the default of the long-running functions) shows the
    bar if the work is still running after ``DELAY_S``; ``True`` shows it at once; ``False``
    never.

    >>> list(progress_bar(range(3), False, desc="demo", unit="item"))
    [0, 1, 2]
    """
    return tqdm(iterable, desc=desc, unit=unit, total=total,
                delay=DELAY_S if progress is None else 0.0, disable=progress is False)
