"""How a command says no."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from ..core.exceptions import DomainError


def fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@contextmanager
def refusals() -> Iterator[None]:
    """A rule of the domain that says no becomes the command's message (exit code 1)."""
    try:
        yield
    except DomainError as exc:
        fail(str(exc.message))
