"""``import`` and ``export``: bring comments from another system, take everything away."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app

from .. import importers
from ..core.exceptions import DomainError
from ..importers.export import export_chunks
from .errors import fail


@click.command("import")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(importers.FORMATS))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read everything, store nothing, print the summary.")
@click.option(
    "--map-articles",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV of 'old address,article id' rows (addresses, paths or post ids).",
)
@click.option(
    "--article-id",
    "mode",
    type=click.Choice(importers.MODES),
    default="path",
    show_default=True,
    help="Article ids from the post URL's path, the post's slug, or the whole URL.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=500,
    show_default=True,
    help="Comments stored per transaction.",
)
def import_command(
    format_name: str,
    file: Path,
    dry_run: bool,
    map_articles: Path | None,
    mode: str,
    batch_size: int,
) -> None:
    """Import the comments of FILE, an export of FORMAT: wordpress (WXR), disqus (XML),
    isso (its SQLite database, or its JSON import format), commento (JSON v1) or json
    (this service's own export, into an empty database)."""
    try:
        mapping = importers.read_article_map(map_articles) if map_articles else None
        namer = importers.ArticleNamer(mode, mapping)
        total = importers.progress_total(format_name, file)
        kwargs = {
            "namer": namer,
            "ip_policy": current_app.config["STORE_IP"],
            "dry_run": dry_run,
            "batch_size": batch_size,
        }
        if sys.stderr.isatty() and total:
            with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
                summary = importers.run_import(format_name, file, progress=bar.update, **kwargs)
        else:
            summary = importers.run_import(format_name, file, **kwargs)
    except DomainError as exc:
        fail(str(exc.message))
    for line in summary.lines():
        click.echo(line)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
def export_command(file: Path) -> None:
    """Write everything (articles, comments with their private fields, moderators without
    their passwords, the audit log) to FILE as JSON; '-' for standard output. The format
    is described in docs/export-schema.json; `import json FILE` restores it."""
    if str(file) == "-":
        for chunk in export_chunks():
            sys.stdout.write(chunk)
        return
    partial = file.with_name(file.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for chunk in export_chunks():
                handle.write(chunk)
        partial.replace(file)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"{file} cannot be written: {exc.strerror or exc}.")
    click.echo(f"Exported to {file}.", err=True)
