"""`uptake waves show|set|list` and `uptake pilots readiness|rules`: the same calls as the API.

JSON output is the API's JSON: the same domain call, dumped by the same schema.
"""

from __future__ import annotations

import json

import click

from adoption.scoring_rules import load_rules
from api.cli_context import date_option, pass_ctx
from api.clock import utcnow
from api.schemas.waves import ReadinessSchema, RuleSchema, WaveSchema
from pilots import readiness as gate
from pilots import readiness_rules
from pilots import waves as wave_plans

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "table"]),
    default="json",
    show_default=True,
)


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _share(_ctx, _param, value):
    if value is not None and not 0 < value <= 1:
        raise click.BadParameter("must be greater than 0 and at most 1 (e.g. 0.1 for 10%).")
    return value


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
        data = WaveSchema().dump(wave_plans.get_wave(session, number))
    click.echo(_json(data) if fmt == "json" else _wave_table(data))


@waves.command("list")
@FORMAT
@pass_ctx
def waves_list(ctx, fmt) -> None:
    """Every planned wave and every wave number a site carries."""
    with ctx.unit_of_work() as session:
        data = WaveSchema(many=True).dump(wave_plans.list_waves(session, limit=10_000))
    click.echo(_json(data) if fmt == "json" else "\n\n".join(map(_wave_table, data)))


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
        wave, created = wave_plans.put_wave(session, number, values, now=utcnow(), actor="cli")
        data = WaveSchema().dump(wave)
    click.echo(_json(data) if fmt == "json" else _wave_table(data))
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


# ---- uptake pilots readiness | rules -----------------------------------------------------------


@click.command("readiness")
@click.option("--wave", "number", required=True, type=click.IntRange(1, wave_plans.MAX_WAVE))
@FORMAT
@pass_ctx
def readiness(ctx, number, fmt) -> None:
    """Go / no-go for a wave, with each rule's evidence (site, week, value)."""
    with ctx.unit_of_work() as session:
        result = gate.readiness(session, number, now=utcnow(), rules=load_rules(session))
        data = ReadinessSchema().dump(result)
    click.echo(_json(data) if fmt == "json" else _readiness_table(data))


def _readiness_table(data: dict) -> str:
    lines = [f"wave {data['wave']}: {data['decision'].upper()} — {data['reason']}"]
    for result in data["rules"]:
        rule = result["rule"]
        mark = "PASS" if result["passed"] else "FAIL"
        lines.append(f"\n[{mark}] rule {rule['id']}: {rule['text']}")
        for e in result["evidence"]:
            value = "" if e["value"] is None else f"{e['value']:.4f}"
            week = "" if e["week"] is None else f"week {e['week']}"
            status = "ok" if e["passed"] else "FAIL"
            note = f"  {e['note']}" if e["note"] else ""
            lines.append(f"  {e['site_id'] or '-':<10} {week:<8} {value:<7} {status}{note}")
    return "\n".join(lines)


@click.group("rules")
def rules() -> None:
    """The readiness gate's rules."""


@rules.command("list")
@FORMAT
@pass_ctx
def rules_list(ctx, fmt) -> None:
    """Every rule, enabled or not, by id."""
    with ctx.unit_of_work() as session:
        data = RuleSchema(many=True).dump(readiness_rules.list_rules(session))
    if fmt == "json":
        click.echo(_json(data))
    else:
        for r in data:
            click.echo(f"{r['id']:>4}  {'' if r['enabled'] else '(disabled) '}{r['text']}")


@rules.command("add")
@click.option("--metric", required=True, type=click.Choice(readiness_rules.METRICS))
@click.option("--min", "minimum", type=float, help="Pass when the metric is at least this.")
@click.option("--max", "maximum", type=float, help="Pass when the metric is at most this.")
@click.option("--weeks", required=True, type=click.IntRange(1, readiness_rules.MAX_WEEKS))
@click.option(
    "--scope", default="pilots", show_default=True, type=click.Choice(readiness_rules.SCOPES)
)
@pass_ctx
def rules_add(ctx, metric, minimum, maximum, weeks, scope) -> None:
    """Add a rule, e.g. --metric adoption_rate --min 0.8 --weeks 2 --scope pilots."""
    if (minimum is None) == (maximum is None):
        raise click.UsageError("Give exactly one of --min and --max.")
    values = {
        "metric": metric,
        "comparison": ">=" if minimum is not None else "<=",
        "threshold": minimum if minimum is not None else maximum,
        "weeks": weeks,
        "scope": scope,
    }
    with ctx.unit_of_work() as session:
        rule = readiness_rules.add_rule(session, values, now=utcnow(), actor="cli")
    click.echo(f"rule {rule['id']}: {rule['text']}")


@rules.command("remove")
@click.argument("rule_id", type=click.IntRange(1, 2**31 - 1))
@pass_ctx
def rules_remove(ctx, rule_id) -> None:
    """Remove a rule by id."""
    with ctx.unit_of_work() as session:
        rule = readiness_rules.remove_rule(session, rule_id, now=utcnow(), actor="cli")
    click.echo(f"removed rule {rule['id']}: {rule['text']}")
