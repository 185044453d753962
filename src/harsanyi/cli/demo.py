"""The ``harsanyi demo`` command: the whole pipeline on a network that over-fits.

``harsanyi demo --out DIR``: train a network that over-fits, follow its interactions through
training, fit the theory and write the report ``DIR/index.html`` (``make demo``).

Register with ``app.command("demo")(demo)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from harsanyi.cli.grammar import EPSILON_HELP, SELECTION_HELP
from harsanyi.errors import HarsanyiError
from harsanyi.workflows.demo import demo_config, run_demo

__all__ = ["demo"]


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report (index.html), "
                                      "the training run (train/) and the run store (run/).")]
    = Path("report"),
    task: Annotated[str, typer.Option(help="tabular: MLP-5 on breast cancer, 10 feature "
                                      "groups as players; digits: tiny VGG-11 on 8×8 digits, "
                                      "10 patches as players, plus feature components.")]
    = "tabular",
    epochs: Annotated[int | None, typer.Option(help="Training epochs (default 60 tabular, 30 "
                                               "digits).")] = None,
    samples: Annotated[int | None, typer.Option(help="Monitored samples per split (train and "
                                                "test; default 16; the papers use 32+).")]
    = None,
    players: Annotated[int | None, typer.Option(help="Number of players n (2..10; default "
                                                "10).")] = None,
    checkpoints: Annotated[int | None, typer.Option(help="Monitored checkpoints, denser early "
                                                    "(default 16 tabular, 12 digits; 0 = every "
                                                    "epoch).")] = None,
    solver: Annotated[str | None, typer.Option(help="AND-OR solver: fast | exact | sgd.")]
    = None,
    selection: Annotated[str, typer.Option(help=SELECTION_HELP)] = "auto",
    epsilon: Annotated[float, typer.Option(help=EPSILON_HELP)] = 0.01,
    and_only: Annotated[bool, typer.Option("--and-only", help="AND-only (Möbius) interactions, "
                                           "no noise term, instead of the AND-OR split.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Tiny settings (6 epochs, 3+3 samples, "
                                        "6 players) to check the pipeline in a minute.")]
    = False,
    workers: Annotated[int, typer.Option(help="Processes computing interactions (1 = this "
                                         "process).")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Write into OUT even if it exists and "
                                        "is not a harsanyi report or demo.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Train, monitor and analyse a network that over-fits; write OUT/index.html.

    Run the demo: train, monitor every checkpoint, analyse (phases, σ² fit, decay/spindle,
    five groups, sparsity bound) and write OUT/index.html.

    Rerunning with the same settings resumes an interrupted demo: finished checkpoints are
    kept, analyses and the report are recomputed.
    """
    console = Console(highlight=False)
    err = Console(stderr=True)
    try:
        cfg = demo_config(task, quick=quick, epochs=epochs, samples=samples, players=players,
                          checkpoints=checkpoints, solver=solver, kind="and" if and_only else None,
                          q_bound=0.0 if and_only else None, selection=selection,
                          epsilon=epsilon)
        result = run_demo(out, cfg, force=force, workers=workers, progress=progress,
                          echo=lambda msg: console.print(msg, markup=False, soft_wrap=True))
    except (HarsanyiError, ValueError, FileExistsError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=2) from exc
    st = result.stats
    console.print(f"done in {st['seconds_total']:.0f} s (training {st['seconds_train']:.0f} s"
                  f"{', reused' if st['training_reused'] else ''}; interactions "
                  f"{st['seconds_monitor']:.0f} s, {st['monitor_checkpoints_written']} "
                  f"checkpoints computed, {st['monitor_checkpoints_skipped']} reused; analyses "
                  f"{st['seconds_analysis']:.0f} s; report {st['seconds_report']:.0f} s)",
                  markup=False, soft_wrap=True)
    console.print(f"Report: {result.index}", markup=False, soft_wrap=True)
    for line in result.findings:
        console.print(line, markup=False, soft_wrap=True)
