"""`uptake waves show|set|list`: rollout waves, the same calls as the API.

JSON output is the API's JSON: the same domain call, dumped by the same schema.
"""

from __future__ import annotations

import click

from adoption.errors import Invalid
from api.cli.context import FORMAT, date_option, pass_ctx, render
from api.clock import utcnow
from api.schemas.waves import WaveSchema
from pilots import waves as wave_plans


def _share(_ctx, _param, value):
    """`pilots.waves.check_canary_share`, in the CLI's words."""
    if value is None:
        return None
    try:
        return wave_plans.check_canary_share(value)
    except Invalid as exc:
        rule = exc.details["canary_share"][0].rstrip(".")
        raise click.BadParameter(f"{rule[0].lower()}{rule[1:]} (e.g. 0.1 for 10%).") from exc


# ---- uptake waves ---------------------------------------------------------------------------


@click.group("waves")
def waves() -> None:
    """Rollout waves: their sites, planned go-live and canary share."""


@waves.command("show")
@click.argument("number", type=click.IntRange(0, wave_plans.MAX_WAVE))
@FORMAT
@pass_ctx
def waves_show(ctx, number, fmt) -> None:
    """One wave: sites, planned go-live, canary share and canary sites."""
    with ctx.unit_of_work() as session:
        data = WaveSchema().dump(wave_plans.get_wave(session, number, now=utcnow()))
    click.echo(render(data, fmt, people=_wave_table), nl=False)


@waves.command("list")
@FORMAT
@pass_ctx
def waves_list(ctx, fmt) -> None:
    """Every planned wave and every wave number a site carries."""
    with ctx.unit_of_work() as session:
        data = WaveSchema(many=True).dump(
            wave_plans.list_waves(session, limit=10_000, now=utcnow())
        )
    click.echo(render(data, fmt, people=lambda d: "\n\n".join(map(_wave_table, d))), nl=False)


@waves.command("set")
@click.argument("number", type=click.IntRange(0, wave_plans.MAX_WAVE))
@click.option("--sites", help="Comma-separated site codes; replaces the wave's sites.")
@click.option("--planned", callback=date_option, help="Planned go-live, YYYY-MM-DD.")
@click.option("--canary", type=float, callback=_share, help="Share of sites that go first.")
@click.option("--name", help="A name for the wave.")
@FORMAT
@pass_ctx
def waves_set(ctx, number, sites, planned, canary, name, fmt) -> None:
    """Create or change a wave; options not given keep their stored values."""
    values: dict = {}
    if sites is not None:
        values["sites"] = [code.strip() for code in sites.split(",") if code.strip()]
    if planned is not None:
        values["planned_go_live_on"] = planned
    if canary is not None:
        values["canary_share"] = canary
    if name is not None:
        values["name"] = name
    with ctx.unit_of_work() as session:
        wave, created = wave_plans.put_wave(session, number, values, now=utcnow(), actor=ctx.actor)
        data = WaveSchema().dump(wave)
    click.echo(render(data, fmt, people=_wave_table), nl=False)
    click.echo(f"wave {number} {'created' if created else 'saved'}", err=True)


def _wave_table(data: dict) -> str:
    canaries = set(data["canary_sites"] or [])
    share = data["canary_share"]
    lines = [
        f"wave {data['wave']}" + (f" ({data['name']})" if data["name"] else ""),
        f"planned go-live: {data['planned_go_live_on'] or '-'}",
        f"canary share: {'-' if share is None else f'{share:g}'}",
        f"sites ({len(data['sites'])}): "
        + (", ".join(f"{c}*" if c in canaries else c for c in data["sites"]) or "-"),
    ]
    if canaries:
        lines.append("(* canary)")
    return "\n".join(lines)
