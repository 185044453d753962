"""Start-up time: ``import harsanyi`` beside ``import torch``, medians of interleaved runs.

Each statement runs in a fresh interpreter, the statements interleaved round by round so that
a change of machine load hits all of them alike. ``--src`` adds another source tree (e.g. an
older checkout's ``src``) as a second harsanyi to compare with.

    python benchmarks/startup.py --repeat 7 [--src /path/to/old/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

STATEMENTS = {
    "import torch": "import torch",
    "import harsanyi": "import harsanyi",
    "+ hs.Game, and_or, model_game": "import harsanyi as hs; hs.Game, hs.and_or, hs.model_game",
    "+ hs.Monitor": "import harsanyi as hs; hs.Monitor",
}


def run_once(stmt: str, src: str | None) -> float:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", stmt], check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--src", default=None, help="another harsanyi source tree to compare")
    parser.add_argument("--quick", action="store_true", help="the first two statements only")
    args = parser.parse_args()
    trees = {"this": None, **({"other": args.src} if args.src else {})}
    labels = list(STATEMENTS)[:2] if args.quick else list(STATEMENTS)
    cases = [(tree, label) for tree in trees for label in labels
             if tree == "this" or label != "import torch"]
    times: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    for _ in range(args.repeat):
        for tree, label in cases:
            times[(tree, label)].append(run_once(STATEMENTS[label], trees[tree]))
    torch_s = statistics.median(times[("this", "import torch")])
    print(f"{'tree':<6} {'statement':<32} {'median s':>9} {'beyond torch s':>15}")
    for (tree, label), ts in times.items():
        med = statistics.median(ts)
        extra = "" if label == "import torch" else f"{med - torch_s:15.2f}"
        print(f"{tree:<6} {label:<32} {med:9.2f} {extra}")
    print(f"({args.repeat} interleaved runs each, fresh interpreters)")


if __name__ == "__main__":
    main()
