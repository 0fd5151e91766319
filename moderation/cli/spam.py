"""``spam``: rebuild the learning filter, measure it on a labelled file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from .. import comments as domain
from ..core.database import db
from ..spam import evaluation
from ..spam.models import DEFAULT_HOLD_THRESHOLD, DEFAULT_SPAM_THRESHOLD
from .errors import fail

spam_cli = AppGroup("spam", help="Rebuild and measure the learning spam filter.")


@spam_cli.command("retrain")
def spam_retrain() -> None:
    """Rebuild the filter from the stored decisions (approved and spam comments)."""
    result = domain.retrain_filter()
    db.session.commit()
    click.echo(
        f"Retrained on {result.spam} spam and {result.ham} approved comments "
        f"({result.tokens} tokens)."
    )


@spam_cli.command("evaluate")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--spam-threshold",
    type=click.FloatRange(0.5, 1.0),
    default=DEFAULT_SPAM_THRESHOLD,
    show_default=True,
)
@click.option(
    "--hold-threshold",
    type=click.FloatRange(0.5, 1.0),
    default=DEFAULT_HOLD_THRESHOLD,
    show_default=True,
)
@click.option(
    "--warm-up",
    type=click.IntRange(0),
    default=evaluation.WARM_UP,
    show_default=True,
    help="Decisions learnt before the figures start counting.",
)
def spam_evaluate(
    csv_file: Path, spam_threshold: float, hold_threshold: float, warm_up: int
) -> None:
    """Replay a labelled CSV file in time order (score each comment, then learn its
    label) on a filter of its own, and print precision, recall and how many honest
    comments would have gone to the spam tab. The service's filter is left alone."""
    try:
        comments = evaluation.read_labelled(csv_file.read_text(encoding="utf-8", errors="replace"))
    except evaluation.LabelledFileError as exc:
        fail(f"{csv_file.name}: {exc}.")
    result = evaluation.replay(
        comments, spam_threshold=spam_threshold, hold_threshold=hold_threshold, warm_up=warm_up
    )
    for line in evaluation.report(result, warm_up=warm_up):
        click.echo(line)
