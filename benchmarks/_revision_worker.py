"""Worker of ``revision.py``: time one revision's solver on saved games, print one JSON line.

    python benchmarks/_revision_worker.py then|now GAMES.npz

``then``: ``solve(..., solver="fast")`` of whatever ``harsanyi`` is on ``PYTHONPATH`` (an
earlier revision's ``src/``); ``now``: today's vertex plus the canonical selection. Imports
nothing else of the package, so that it runs on earlier revisions as well.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch

from harsanyi.extract.solvers import solve

try:
    from harsanyi.extract.solvers.canonical import select_canonical
except ImportError:  # an earlier revision, before the canonical split
    select_canonical = None


def main(mode: str, games: str) -> None:
    """Time ``mode`` on ``games`` (``values``, ``bound``); CPU seconds and LP optima per game."""
    if mode == "now" and select_canonical is None:
        raise SystemExit("this revision has no canonical split")
    torch.set_num_threads(1)
    data = np.load(games)
    values, bound = data["values"], data["bound"]
    out: dict[str, list[float]] = {"total": [], "vertex": [], "opt": []}
    for b in range(len(values)):
        v, z = values[b:b + 1], bound[b:b + 1]
        start = time.process_time()
        result = solve(v, z, solver="fast")
        out["vertex"].append(time.process_time() - start)
        if mode == "now":
            result = select_canonical(v, z, "and_or", result, 0.01)
        out["total"].append(time.process_time() - start)
        out["opt"].append(float(np.asarray(result.info.get("lp_optimum", result.objective))[0]))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
