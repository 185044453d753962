"""``harsanyi store``: check and repair a run store.

Registered by the main app with ``register(app)``. Examples::

    harsanyi store verify runs/mlp5-interactions     # exit 1 and the bad checkpoints named
    harsanyi store repair runs/mlp5-interactions     # damaged checkpoints moved to quarantine/

After a repair, rerunning the run's ``harsanyi monitor`` command with ``--resume`` recomputes
the checkpoints that were moved aside (resuming also repairs by itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harsanyi.errors import StoreError
from harsanyi.store.lock import WriterLock
from harsanyi.store.repair import repair_store
from harsanyi.store.runstore import RunStore
from harsanyi.store.verify import verify_store

__all__ = ["app", "interrupted_message", "register", "repair", "verify"]

app = typer.Typer(help="Verify the checksums of a run store; repair a damaged one.",
                  no_args_is_help=True)
_ERR = Console(stderr=True)

RunArg = Annotated[Path, typer.Argument(help="Run store folder (written by harsanyi monitor).")]


def _require_store(run: Path) -> None:
    if not run.is_dir():
        _ERR.print(f"[bold red]error:[/] no run store at {run}: the folder does not exist")
        raise typer.Exit(code=2)


@app.command("verify")
def verify(run: RunArg) -> None:
    """Check every checkpoint's checksums; name the damaged ones (exit code 1 if any)."""
    _require_store(run)
    rep = verify_store(run)
    table = Table(title=f"run store {run}")
    table.add_column("part")
    table.add_column("state")
    table.add_row("checkpoints that verify", str(len(rep.good)))
    for epoch, why in rep.bad.items():
        table.add_row(f"checkpoint {epoch}", f"[red]damaged[/]: {why}")
    for key, why in rep.other.items():
        table.add_row(key, f"[red]damaged[/]: {why}")
    if rep.partial:
        table.add_row("interrupted writes", f"{len(rep.partial)} in .partial/ (redone on resume)")
    Console().print(table)
    if not rep.ok:
        _ERR.print(f"{len(rep.bad) + len(rep.other)} damaged part(s). `harsanyi store repair "
                   f"{run}` moves damaged checkpoints to {run}/quarantine/ (nothing is "
                   "deleted); then rerun the run's `harsanyi monitor` command with --resume "
                   "to recompute them")
        raise typer.Exit(code=1)


@app.command("repair")
def repair(run: RunArg) -> None:
    """Repair a run store.

    Move damaged checkpoints to RUN/quarantine/, restore damaged root metadata from its
    copy, remove leftovers of interrupted writes.
    """
    _require_store(run)
    try:
        with WriterLock(run):
            rep = repair_store(run)
    except StoreError as err:
        _ERR.print(f"[bold red]error:[/] {escape(str(err))}", soft_wrap=True)
        raise typer.Exit(code=2) from err
    out = Console()
    for rel in rep.restored:
        out.print(f"restored {rel} from its copy in manifest.json")
    for key, dest in rep.moved.items():
        name = f"checkpoint {key}" if isinstance(key, int) else key
        out.print(f"moved {name} ({rep.reasons[key]}) to {dest}")
    if rep.removed:
        out.print(f"removed {len(rep.removed)} leftover(s) of interrupted writes")
    if not (rep.restored or rep.moved or rep.removed):
        out.print(f"nothing to repair in {run}")
    elif any(isinstance(k, int) for k in rep.moved):
        out.print("rerun the run's `harsanyi monitor` command with --resume to recompute the "
                  "moved checkpoints")


def interrupted_message(out: Path) -> str:
    """Return what ``harsanyi monitor`` says when Ctrl-C stopped it."""
    try:
        kept = len(RunStore.open(out).completed())
    except StoreError:
        kept = 0
    return (f"interrupted: the {kept} finished checkpoint(s) in {out} are kept; rerun the same "
            "command with --resume to continue")


def register(main: typer.Typer) -> None:
    """Add the ``store`` command group to the main app."""
    main.add_typer(app, name="store", help="Verify and repair run stores.")
