"""Run a benchmark's stages with a limit on the CPU seconds each may spend.

A table over sizes where single games take from a second to an hour can only be produced in one
run if every game is cut off at a limit and reported as such. :func:`run_stages` calls
``stages(report)``; each ``report(record)`` keeps a record and ends a stage, and the next stage
gets ``limit`` CPU seconds of its own. The limit counts this process's CPU time, all threads
(``ITIMER_PROF``), not the wall clock of a loaded machine. Past it, :class:`StageLimit` is
raised at the next Python bytecode, so a single long call into compiled code (one HiGHS
solve) runs to its end first. POSIX only.

It runs in this process: a forked child per game would pay ~0.15 s of first-run cost on every
game (measured at ``n = 9``: twice the time of a warm solve), as much as a whole game at
``n = 10``.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

Stages = Callable[[Callable[[dict[str, Any]], None]], None]


class StageLimit(BaseException):
    """A stage ran past its limit (a ``BaseException``, so no ``except Exception`` of the code
    under test swallows it)."""


def run_stages(stages: Stages, limit: float | None) -> tuple[list[dict[str, Any]], bool]:
    """``stages(report)``: the records it reported, and whether it ran to its end.

    ``limit``: CPU seconds per stage; ``None``: no limit.
    """
    records: list[dict[str, Any]] = []
    if limit is None:
        stages(records.append)
        return records, True

    def report(record: dict[str, Any]) -> None:
        records.append(record)
        signal.setitimer(signal.ITIMER_PROF, limit)

    previous = signal.signal(signal.SIGPROF, _stop)
    try:
        signal.setitimer(signal.ITIMER_PROF, limit)
        stages(report)
    except StageLimit:
        return records, False
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    return records, True


def _stop(signum: int, frame: FrameType | None) -> None:
    raise StageLimit
