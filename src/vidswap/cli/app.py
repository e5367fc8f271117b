"""The root `vidswap` command that the operator and Swap-flow commands attach to."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="vidswap: a self-hostable, PixVerse-compatible video Swap service.", no_args_is_help=True
)
