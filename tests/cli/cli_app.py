"""Shared set-up of the CLI tests: a Typer app made of some of harsanyi's commands."""

from __future__ import annotations

from collections.abc import Callable

import typer


def command_app(**commands: Callable) -> typer.Typer:
    """Return a Typer app with the given commands (name -> function), as the real CLI has them."""
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """Test app."""

    for name, fn in commands.items():
        cli.command(name)(fn)
    return cli
