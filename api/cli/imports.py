"""`uptake import sites|roster|features|events FILE`: bulk import through the domain's rules."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import click

from adoption import partitions
from adoption.calendar import chain_today_of
from adoption.ingest.batch import IngestResult, check_events, ingest_batch
from adoption.masterdata import imports
from api.cli.context import Context, pass_ctx
from api.clock import utcnow


@click.group("import")
def import_group() -> None:
    """Bulk import of master data and events."""


def _master_import(kind: str):
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--date-format", help="strptime format for non-ISO dates, e.g. %d/%m/%Y.")
    @pass_ctx
    def command(ctx: Context, file: Path, date_format: str | None) -> None:
        imports.check_master_file(file)  # a one-line error before the progress bar starts
        with (
            ctx.unit_of_work() as session,
            click.progressbar(length=0, label=f"importing {kind}", file=sys.stderr) as bar,
        ):
            summary = imports.import_master(
                session,
                kind,
                file,
                now=utcnow(),
                actor=ctx.actor,
                default_tz=ctx.settings.default_timezone,
                date_format=date_format,
                progress=bar.update,
            )
        print_summary(summary)

    command.__doc__ = f"Import {kind} from CSV or JSONL (upsert; never deletes)."
    return command


for _kind in imports.KINDS:
    import_group.command(_kind)(_master_import(_kind))


def print_summary(summary: imports.ImportSummary) -> None:
    click.echo(
        f"{summary.kind}: read {summary.read}, kept {summary.kept} "
        f"(created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}), "
        f"fixed {summary.fixed}, merged {len(summary.merged)}, rejected {summary.rejected}"
    )
    for merge in summary.merged:
        click.echo(f"  merged {merge['key']!r} from lines {', '.join(map(str, merge['lines']))}")
    if summary.ignored_columns:
        click.echo(f"  ignored columns: {', '.join(summary.ignored_columns)}")
    if summary.rejected_file:
        click.echo(f"  rejected rows written to {summary.rejected_file}")


def _event_source(_ctx, _param, value: str) -> str:
    """The source names events as a token's name does: trimmed, 1 to 64 characters."""
    value = value.strip()
    if not 0 < len(value) <= 64:
        raise click.BadParameter("must be 1 to 64 characters.")
    return value


@import_group.command("events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="import", show_default=True, callback=_event_source)
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def import_events(ctx: Context, file: Path, source: str, batch_size: int) -> None:
    """Import events (CSV, JSONL, Parquet): same validation, quarantine and dedup as HTTP.

    Each batch commits on its own, so an interrupted import is resumed by running it again.
    """
    with click.progressbar(length=0, label="importing events", file=sys.stderr) as bar:
        ingest_chunks(ctx, source, imports.read_event_chunks(file, batch_size), bar.update)


#: Accepted events from which an import refreshes the planner's statistics when it ends.
ANALYZE_AFTER = 50_000


def ingest_chunks(
    ctx: Context, source: str, chunks: Iterable[list], progress: Callable[[int], None] | None
) -> None:
    """Ingest each chunk in its own unit of work (an interrupted run resumes by running it
    again), then print the totals as one JSON line. On PostgreSQL each chunk is written by COPY
    (`ingest_batch`'s `copy`), after the monthly partitions of its days are made, in a short
    transaction of their own (`partitions.ensure_months`), so a backfill lands in its months.
    A large import ends by refreshing the planner's statistics (`partitions.analyze_after_load`)."""
    total = IngestResult()
    for chunk in chunks:
        now = utcnow()
        checked = check_events(chunk, now)
        with ctx.unit_of_work() as session:  # on SQLite nothing runs: no lock, no query
            if partitions.enabled(session):
                today = chain_today_of(session, now)
                partitions.ensure_months(session, checked.months(), today=today)
        with ctx.unit_of_work() as session:
            result = ingest_batch(session, source=source, events=checked, now=now, copy=True)
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.quarantined += result.quarantined
        if progress is not None:
            progress(len(chunk))
    if total.accepted >= ANALYZE_AFTER:
        with ctx.unit_of_work() as session:
            partitions.analyze_after_load(session)
    click.echo(json.dumps({k: v for k, v in asdict(total).items() if k != "errors"}))
