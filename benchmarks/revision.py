"""The canonical split today against the ``"fast"`` solver of an earlier revision, same games.

The speed goal of the canonical split reads "at most 1.5× today's ``fast``", written when
``fast`` was the solver of the revision before the canonical split existed (``fee1c76``, the
parent of the first commit of the selection). Since then the vertex itself got faster at
``n = 12`` (1.5–8× on the benchmark games) and stayed the same at ``n = 10``, so "the vertex
of today" (``benchmarks/extraction.py``) and "``fast`` of then" are two different yardsticks;
this script measures the second (docs/selection.md, "Two yardsticks").

The earlier revision's ``src/`` is taken with ``git archive`` into a temporary folder, the
games of ``benchmarks/extraction.py``'s families are drawn once and saved, and two worker
processes (``_revision_worker.py``, one thread each, side by side on two cores unless
``--serial``) time, per game: the old revision's ``solve(..., solver="fast")`` (with
``--canonical``: its vertex plus canonical selection, to time a change of the selection) and
today's vertex plus canonical selection (``select_canonical``). CPU seconds per game; "same OPT" is
the largest relative difference of the two LP optima (the certified optimum is unique, so it
should be at rounding level).

    python benchmarks/revision.py --sizes 10 --samples 8
    python benchmarks/revision.py --sizes 12 --samples 2
    python benchmarks/revision.py --rev HEAD --sizes 5 --samples 2    # smoke test
    python benchmarks/revision.py --rev HEAD --canonical --sizes 10   # a change's canonical cost
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import numpy as np
from extraction import FAMILIES, family_names

ROOT = Path(__file__).resolve().parents[1]
#: The timing worker: a script that imports nothing but the solvers, so that it runs on the
#: earlier revision's ``src/`` as well.
WORKER = Path(__file__).with_name("_revision_worker.py")
#: The parent of the first commit of the canonical split: the "fast" the speed goal refers to.
DEFAULT_REV = "fee1c76"


def export_src(rev: str, into: Path) -> Path:
    """Write ``src/`` of revision ``rev`` under ``into`` (``git archive``); return that folder."""
    try:
        got = subprocess.run(["git", "archive", "--format=tar", rev, "src"], cwd=ROOT,
                             capture_output=True)
    except OSError as err:
        raise SystemExit(f"revision.py needs git to read src/ of {rev!r}: {err}") from err
    if got.returncode:
        raise SystemExit(f"cannot read src/ of revision {rev!r} (a shallow clone lacks old "
                         f"revisions): {got.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=BytesIO(got.stdout)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def run_pair(src_then: Path, games: Path, serial: bool, canonical: bool = False
             ) -> dict[str, dict]:
    """Run the ``then`` and ``now`` workers on ``games``, side by side unless ``serial``;
    ``canonical``: the earlier revision's canonical split instead of its ``fast``."""
    base = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}
    envs = {"then": {**base, "PYTHONPATH": str(src_then)}, "now": base}
    procs: dict[str, subprocess.Popen] = {}
    outs: dict[str, dict] = {}
    for mode in ("then", "now"):
        task = "now" if canonical else mode
        cmd = [sys.executable, str(WORKER), task, str(games)]
        procs[mode] = subprocess.Popen(cmd, env=envs[mode], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        if serial:
            outs[mode] = _finish(mode, procs.pop(mode))
    for mode, proc in procs.items():
        outs[mode] = _finish(mode, proc)
    return outs


def _finish(mode: str, proc: subprocess.Popen) -> dict:
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"the {mode!r} worker failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default=DEFAULT_REV, help="the earlier revision (git)")
    parser.add_argument("--sizes", default="10", help="comma-separated n")
    parser.add_argument("--samples", type=int, default=8, help="games per family")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help=f"comma-separated, of {list(FAMILIES)}")
    parser.add_argument("--serial", action="store_true", help="one worker after the other")
    parser.add_argument("--canonical", action="store_true",
                        help="time the earlier revision's canonical split, not its fast")
    args = parser.parse_args()
    families = family_names(parser, args.families)
    with tempfile.TemporaryDirectory() as tmp:
        src_then = export_src(args.rev, Path(tmp))
        then = "canonical" if args.canonical else "fast"
        print(f"canonical split now vs {then!r} at {args.rev}: CPU s/game, one thread, "
              f"{'one after the other' if args.serial else 'side by side'}")
        head = (f"{'n':>2} {'games':8} {'count':>5} {then + ' then':>9} {'vertex now':>10} "
                f"{'canonical now':>13} {'now / then':>10} {'same OPT':>9}")
        print(head)
        print("-" * len(head))
        for n in (int(k) for k in args.sizes.split(",")):
            for family in families:
                values, bound = FAMILIES[family](n, args.samples)
                games = Path(tmp) / f"{family}{n}.npz"
                np.savez(games, values=values, bound=bound)
                got = run_pair(src_then, games, args.serial, args.canonical)
                then, now = got["then"], got["now"]
                t_then, t_now = np.mean(then["total"]), np.mean(now["total"])
                same = np.max(np.abs(np.subtract(now["opt"], then["opt"]))
                              / np.maximum(np.abs(then["opt"]), 1e-300))
                print(f"{n:2d} {family:8} {len(values):5d} {t_then:9.3f} "
                      f"{np.mean(now['vertex']):10.3f} {t_now:13.3f} {t_now / t_then:10.2f} "
                      f"{same:9.1e}", flush=True)


if __name__ == "__main__":
    main()
