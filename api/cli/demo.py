"""`uptake demo`: seed a simulated chain through the domain's bulk path, then run a night's jobs."""

from __future__ import annotations

import sys

import click

from adoption.masterdata import imports
from adoption.scoring.rules import load_rules
from adoption.simulation import chain
from adoption.simulation.people import MAX_PEOPLE_PER_SITE, MAX_SITES
from api import jobs
from api.cli.context import Context, pass_ctx
from api.cli.imports import ingest_chunks, print_summary
from api.clock import utcnow
from pilots import story


@click.command()
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--sites", "site_count", default=40, show_default=True, type=click.IntRange(4, MAX_SITES)
)
@click.option(
    "--people-per-site",
    type=click.IntRange(2, MAX_PEOPLE_PER_SITE),
    help="About this many people per site (default: 6 to 25).",
)
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(1, 104))
@pass_ctx
def demo(ctx: Context, seed: int, site_count: int, people_per_site, weeks: int) -> None:
    """Seed a simulated chain (master data, events, logins); safe to run again."""
    now = utcnow()
    sim = chain.simulate(
        seed=seed,
        sites=site_count,
        weeks=weeks,
        today=now.date(),
        people_per_site=people_per_site,
    )
    files = chain.write_master_files(sim, ctx.settings.instance_path / "demo")
    _import_master_files(ctx, files, now)
    _ingest_events(ctx, sim, now)
    _run_demo_jobs(ctx)
    _seed_story(ctx, now)
    _print_logins(ctx, sim, now)
    click.echo("web and API at http://127.0.0.1:5000 (uptake serve)")


def _import_master_files(ctx: Context, files: dict, now) -> None:
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
        print_summary(summary)


def _ingest_events(ctx: Context, sim, now) -> None:
    """The simulated events, one unit of work per batch, each handed over as soon as it is full
    (streamed: one batch held at a time, whatever the size of the chain)."""
    with click.progressbar(length=sim.days, label="simulating events", file=sys.stderr) as bar:
        batches = chain.event_batches(sim, now=now, progress=bar.update)
        ingest_chunks(ctx, chain.DEMO_SOURCE, batches, None)  # the batches report days done


def _print_logins(ctx: Context, sim, now) -> None:
    with ctx.unit_of_work() as session:
        logins = chain.ensure_demo_logins(session, sim, now=now)
        token = chain.ensure_ingest_token(session, now=now)
    for login in logins:
        note = f"  ({login.note})" if login.note else ""
        click.echo(f"login as {login.role}: {login.username} / {login.password}{note}")
    source = chain.DEMO_SOURCE
    if token:
        click.echo(f"ingest token (source {source!r}, shown once): {token}")
    else:
        click.echo(f"ingest token (source {source!r}) exists; it was shown when created")


def _seed_story(ctx: Context, now) -> None:
    """The rollout lead's PDCA loop so far: readiness rules, targets, cards, a previous report
    (`pilots.story`)."""
    with ctx.unit_of_work() as session:
        told = story.seed_story(
            session, now=now, rules=load_rules(session), min_group=ctx.settings.min_group
        )
    for line in told.lines:
        click.echo(line)


DEMO_JOBS = ("snapshots", "points", "badges")


def _run_demo_jobs(ctx: Context) -> None:
    """What the scheduler would have done by now: score history, the points ledger, badges."""
    for name in DEMO_JOBS:
        result = jobs.run_job(ctx.sessions, name, settings=ctx.settings)
        outcome = result.run.outcome if result.run else f"skipped ({result.skipped})"
        click.echo(f"job {name}: {outcome}")
