"""How a command says no."""

from __future__ import annotations

import click


def fail(message: str) -> None:
    raise click.ClickException(message)
