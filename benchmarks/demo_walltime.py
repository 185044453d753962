"""Wall time of ``harsanyi demo`` per stage (training, interactions, analyses, report).

Usage: python benchmarks/demo_walltime.py [--task tabular|digits] [--quick] [--workers 2]
                                          [--out DIR]
                                          [--samples S] [--checkpoints K] [--epochs E]

Runs the demo into a fresh temporary folder with the given settings (defaults: the demo's
own) and prints one table row per stage, plus the three findings lines. The budget is 5
minutes for the tabular demo and 10 for digits on a 2-core machine; other processes on the
machine add noise, so compare stage ratios rather than absolute seconds, and read the CPU
time (summed over the workers) printed at the end.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

from harsanyi.workflows.demo import demo_config, run_demo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", default="tabular", choices=["tabular", "digits"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--checkpoints", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default=None, help="Keep the report here (default: a temporary "
                    "folder, deleted).")
    args = ap.parse_args()
    cfg = demo_config(args.task, quick=args.quick, samples=args.samples,
                      checkpoints=args.checkpoints,
                      epochs=args.epochs)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "report"
        res = run_demo(out, cfg, workers=args.workers, progress=False)
    st = res.stats
    cpu = sum(getattr(resource.getrusage(who), f) for who in
              (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
    print(f"demo {args.task}: epochs {cfg.epochs}, {2 * cfg.samples} samples, n = "
          f"{cfg.players}, {st['monitor_checkpoints_written']} checkpoints, {args.workers} "
          "workers")
    print(f"{'stage':<14}{'seconds':>10}{'share':>9}")
    total = st["seconds_total"]
    for stage in ("train", "monitor", "analysis", "report"):
        sec = st[f"seconds_{stage}"]
        print(f"{stage:<14}{sec:>10.1f}{sec / total:>9.0%}")
    print(f"{'total':<14}{total:>10.1f}{1:>9.0%}")
    per = st["seconds_monitor"] / max(st["monitor_checkpoints_written"] * 2 * cfg.samples, 1)
    print(f"interactions: {per:.3f} s per (sample, checkpoint) of wall time")
    print(f"CPU time (this process and its workers): {cpu:.0f} s; on an idle machine with "
          f"{args.workers} cores the wall time is roughly max(CPU / {args.workers}, the serial "
          "stages)")
    for line in res.findings:
        print(line)


if __name__ == "__main__":
    main()
