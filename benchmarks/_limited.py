"""Run a benchmark's games with a limit on the CPU seconds each stage of a game may spend.

A table over sizes where single games take from a second to an hour can only be produced in one
run if every game is cut off at a limit and reported as such. A game is a function
``stages(report)``; each ``report(record)`` keeps a record and ends a stage, and the next stage
gets ``limit`` CPU seconds of its own. The limit counts CPU time, all threads (``ITIMER_PROF``),
not the wall clock of a loaded machine. Past it, :class:`StageLimit` is raised at the next
Python bytecode, the game's later stages are skipped, and the next game starts.

A single call into compiled code runs to its end before that (a restricted LP of HiGHS above
12 players can take minutes). ``isolate=True`` adds a hard limit for such games: they run in a
forked child whose CPU time the kernel caps (``RLIMIT_CPU``, ``GRACE`` seconds past the
limit); a child stopped there loses only its current game, and a new child goes on with the
next. It is not the default because a fresh process pays ~0.15 s more on its first game
(measured at ``n = 9``, where a warm solve takes 0.15 s), as much as a game at ``n = 10``.
POSIX only.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import resource
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

Stages = Callable[[Callable[[dict[str, Any]], None]], None]

#: CPU seconds past the limit at which the kernel stops an isolated game's process.
GRACE = 5


class StageLimit(BaseException):
    """A stage ran past its limit (a ``BaseException``, so no ``except Exception`` of the code
    under test swallows it)."""


def run_games(games: Sequence[Stages], limit: float | None, isolate: bool = False
              ) -> list[list[dict[str, Any]]]:
    """The records each game of ``games`` reported, in order (fewer than its stages where one
    was stopped at ``limit`` CPU seconds; ``None``: no limit). ``isolate``: in forked
    children, with a hard limit as well (module docstring)."""
    if limit is None:
        out: list[list[dict[str, Any]]] = []
        for stages in games:
            out.append([])
            stages(out[-1].append)
        return out
    if not isolate:
        previous = signal.signal(signal.SIGPROF, _stop)
        try:
            return [_limited(stages, limit, []) for stages in games]
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
    out = []
    while len(out) < len(games):
        out.extend(_in_child(games[len(out):], limit))
    return out


def _limited(stages: Stages, limit: float, records: list[dict[str, Any]],
             send: Connection | None = None) -> list[dict[str, Any]]:
    """Run one game's stages, each limited (the ``SIGPROF`` handler must be :func:`_stop`);
    ``send``: ship each record there too, and move the hard limit with the soft one."""

    def report(record: dict[str, Any]) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0)
        records.append(record)
        if send is not None:
            send.send(record)
        _arm(limit, hard=send is not None)

    _arm(limit, hard=send is not None)
    with contextlib.suppress(StageLimit):
        stages(report)
    signal.setitimer(signal.ITIMER_PROF, 0)
    return records


def _arm(limit: float, hard: bool) -> None:
    """Give the next stage ``limit`` CPU seconds (and the kernel's cap ``GRACE`` more)."""
    signal.setitimer(signal.ITIMER_PROF, limit)
    if hard:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(usage.ru_utime + usage.ru_stime + limit) + GRACE
        resource.setrlimit(resource.RLIMIT_CPU,
                           (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))


def _in_child(games: Sequence[Stages], limit: float) -> list[list[dict[str, Any]]]:
    """Run ``games`` in one forked child until they are done or the kernel stops it; the
    records of every game it started (the stopped one's so far)."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(games, limit, send))
    child.start()
    send.close()
    out: list[list[dict[str, Any]]] = []
    while True:
        try:
            record = receive.recv()
        except EOFError:  # done, or stopped by the kernel
            break
        if record is None:  # the next game starts
            out.append([])
        else:
            out[-1].append(record)
    child.join()
    receive.close()
    return out


def _child(games: Sequence[Stages], limit: float, send: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file when the kernel stops it
    signal.signal(signal.SIGPROF, _stop)
    for stages in games:
        send.send(None)
        _limited(stages, limit, [], send)
    send.close()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise StageLimit
