"""The `uptake` command line: each command wraps one domain call in one unit of work."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from adoption import access, imports, ingest, schema, simulation
from adoption.errors import DomainError
from adoption.models.access import ROLES
from api.cli_context import Context, pass_ctx
from api.cli_pilots import pilots
from api.cli_reports import jobs_group, report
from api.cli_scheduler import scheduler
from api.cli_waves import waves
from api.clock import utcnow


class UptakeGroup(click.Group):
    """Domain errors become one readable line and exit status 2, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            detail = "; ".join(f"{k}: {_sentence(v)}" for k, v in exc.details.items())
            click.echo(f"error: {exc.message}" + (f" ({detail})" if detail else ""), err=True)
            sys.exit(2)


def _sentence(value) -> str:
    """A detail as people read it: a list of messages joined, not its Python repr."""
    return " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@click.group(cls=UptakeGroup)
def main() -> None:
    """Uptake: is the new system really used, and who learned it?"""


main.add_command(report)
main.add_command(jobs_group)
main.add_command(waves)
main.add_command(pilots)
main.add_command(scheduler)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    schema.upgrade(ctx.engine)
    click.echo(f"database at revision {schema.current_revision(ctx.engine)}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and API with gunicorn."""
    from api.wsgi import serve as run

    run(host=host, port=port, workers=workers)


@main.group()
def tokens() -> None:
    """API tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="Also the event source for ingest tokens.")
@click.option("--site", "sites", multiple=True, help="Site scope (manager, ingest).")
@click.option("--user", "user_id", help="The employee an employee token belongs to.")
@click.option("--expires", type=click.IntRange(1, 3650), help="Days until it expires.")
@pass_ctx
def tokens_create(ctx, role, name, sites, user_id, expires) -> None:
    """Create a token; it is printed once, alone on the last line."""
    with ctx.unit_of_work() as session:
        token, plain = access.create_token(
            session,
            role=role,
            name=name,
            now=utcnow(),
            sites=list(sites),
            expires_days=expires,
            user_id=user_id,
        )
        click.echo(
            f"token {token.id} '{token.name}' role={role}"
            + (f" sites={','.join(sites)}" if sites else "")
            + (f" expires={token.expires_at:%Y-%m-%d}" if token.expires_at else "")
        )
    click.echo(plain)


@tokens.command("revoke")
@click.argument("name_or_id")
@pass_ctx
def tokens_revoke(ctx, name_or_id) -> None:
    """Revoke a token by id, or every live token of a name."""
    with ctx.unit_of_work() as session:
        revoked = access.revoke_token(session, name_or_id, now=utcnow())
        click.echo(f"revoked {len(revoked)} token(s): {', '.join(str(t.id) for t in revoked)}")


@main.group()
def accounts() -> None:
    """Web logins."""


@accounts.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--site", "sites", multiple=True)
@click.option("--user", "user_id", help="The employee an employee login belongs to.")
@pass_ctx
def accounts_create(ctx, username, role, sites, user_id) -> None:
    """Create a login; its generated password is printed alone on the last line."""
    with ctx.unit_of_work() as session:
        account, password = access.create_account(
            session, username=username, role=role, now=utcnow(), sites=list(sites), user_id=user_id
        )
        click.echo(f"account '{account.username}' role={role}")
    click.echo(password)


@main.group("import")
def import_() -> None:
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
                actor="cli",
                default_tz=ctx.settings.default_timezone,
                date_format=date_format,
                progress=bar.update,
            )
        _print_summary(summary)

    command.__doc__ = f"Import {kind} from CSV or JSONL (upsert; never deletes)."
    return command


for _kind in imports.KINDS:
    import_.command(_kind)(_master_import(_kind))


def _print_summary(summary: imports.ImportSummary) -> None:
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


@import_.command("events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="import", show_default=True, callback=_event_source)
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def import_events(ctx: Context, file: Path, source: str, batch_size: int) -> None:
    """Import events (CSV, JSONL, Parquet): same validation, quarantine and dedup as HTTP.

    Each batch commits on its own, so an interrupted import is resumed by running it again.
    """
    total = ingest.IngestResult()
    with click.progressbar(length=0, label="importing events", file=sys.stderr) as bar:
        for chunk in imports.read_event_chunks(file, batch_size):
            with ctx.unit_of_work() as session:
                result = ingest.ingest_batch(session, source=source, events=chunk, now=utcnow())
            total.accepted += result.accepted
            total.duplicates += result.duplicates
            total.quarantined += result.quarantined
            bar.update(len(chunk))
    click.echo(json.dumps({k: v for k, v in asdict(total).items() if k != "errors"}))


@main.command()
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--sites", "site_count", default=40, show_default=True, type=click.IntRange(4, 240))
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(1, 104))
@pass_ctx
def demo(ctx: Context, seed: int, site_count: int, weeks: int) -> None:
    """Seed a simulated chain (master data, events, logins); safe to run again."""
    now = utcnow()
    sim = simulation.simulate(seed=seed, sites=site_count, weeks=weeks, today=now.date())
    files = simulation.write_master_files(sim, ctx.settings.instance_path / "demo")
    for kind in ("sites", "features", "roster"):
        with ctx.unit_of_work() as session:
            summary = imports.import_master(
                session,
                kind,
                files[kind],
                now=now,
                actor="demo",
                default_tz=ctx.settings.default_timezone,
            )
        _print_summary(summary)
    total = ingest.IngestResult()
    with click.progressbar(length=sim.days, label="simulating events", file=sys.stderr) as bar:
        for chunk in simulation.event_batches(sim, now=now, progress=bar.update):
            with ctx.unit_of_work() as session:
                result = ingest.ingest_batch(
                    session, source=simulation.DEMO_SOURCE, events=chunk, now=utcnow()
                )
            total.accepted += result.accepted
            total.duplicates += result.duplicates
            total.quarantined += result.quarantined
    click.echo(json.dumps({k: v for k, v in asdict(total).items() if k != "errors"}))
    _run_demo_jobs(ctx)
    with ctx.unit_of_work() as session:
        logins = simulation.ensure_demo_logins(session, sim, now=now)
        token = simulation.ensure_ingest_token(session, now=now)
    for login in logins:
        note = f"  ({login.note})" if login.note else ""
        click.echo(f"login as {login.role}: {login.username} / {login.password}{note}")
    source = simulation.DEMO_SOURCE
    if token:
        click.echo(f"ingest token (source {source!r}, shown once): {token}")
    else:
        click.echo(f"ingest token (source {source!r}) exists; it was shown when created")
    click.echo("web and API at http://127.0.0.1:5000 (uptake serve)")


DEMO_JOBS = ("snapshots", "points", "badges")


def _run_demo_jobs(ctx: Context) -> None:
    """What the scheduler would have done by now: score history, the points ledger, badges."""
    from adoption.db import make_sessionmaker
    from api import jobs_registry

    factory = make_sessionmaker(ctx.engine)
    for name in DEMO_JOBS:
        result = jobs_registry.run_job(factory, name, settings=ctx.settings)
        outcome = result.run.outcome if result.run else f"skipped ({result.skipped})"
        click.echo(f"job {name}: {outcome}")
