"""``harsanyi report RUN --out DIR``: the self-contained HTML report of a monitored run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harsanyi.errors import StoreError
from harsanyi.report import ReportFolderError
from harsanyi.workflows.demo_analysis import report_from_run

__all__ = ["report"]


def report(
    run: Annotated[Path, typer.Argument(help="Run store written by `harsanyi monitor`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report to "
                                      "(index.html, figures/, tables/).")],
    force: Annotated[bool, typer.Option("--force", help="Write into OUT even if it exists and "
                                        "is not a harsanyi report.")] = False,
) -> None:
    """Write the HTML report of a monitored run.

    Write DIR/index.html (one self-contained page: figures embedded, no network needed),
    every figure as PNG and PDF in DIR/figures/ and every table as CSV in DIR/tables/.

    Parts the run does not have yet (theory fit, groups, decay/spindle) are named in the page
    with the command that computes them.
    """
    try:
        index = report_from_run(run, out, force=force)
    except (ReportFolderError, StoreError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"Report written to {index}")
