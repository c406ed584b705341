"""`uptake pilots …`: the pilot comparison on the command line.

`readiness` and `rules` are the readiness gate; `hotspots` the chain's error hot spots.
"""

from __future__ import annotations

import click

from adoption.scoring.rules import load_rules
from adoption.usage.insights import chain_hotspots
from api.cli.context import FORMAT, pass_ctx, to_json
from api.cli.did import did
from api.clock import utcnow
from api.schemas.pilots import ChainHotspotsSchema
from api.schemas.waves import ReadinessSchema, RuleSchema
from pilots import readiness as gate
from pilots import readiness_rules
from pilots import waves as wave_plans


@click.group("pilots")
def pilots() -> None:
    """Pilot vs non-pilot comparison and the readiness gate."""


@pilots.command("readiness")
@click.option("--wave", "number", required=True, type=click.IntRange(1, wave_plans.MAX_WAVE))
@FORMAT
@pass_ctx
def readiness(ctx, number, fmt) -> None:
    """Go / no-go for a wave, with each rule's evidence (site, week, value)."""
    with ctx.unit_of_work() as session:
        result = gate.readiness(session, number, now=utcnow(), rules=load_rules(session))
        data = ReadinessSchema().dump(result)
    click.echo(to_json(data) if fmt == "json" else _readiness_table(data))


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


@pilots.command("hotspots")
@FORMAT
@pass_ctx
def hotspots(ctx, fmt) -> None:
    """The chain's error hot spots (as on the /pilots page and GET /api/v1/pilots/hotspots)."""
    with ctx.unit_of_work() as session:
        data = ChainHotspotsSchema().dump(chain_hotspots(session, utcnow()))
    click.echo(to_json(data) if fmt == "json" else _hotspots_table(data))


def _hotspots_table(data: dict) -> str:
    lines = [
        f"error hot spots, all sites, {data['from']} to {data['to']} "
        f"(features with at least {data['min_attempts']} attempts)"
    ]
    for h in data["items"]:
        lines.append(
            f"  {h['action']:<32} {h['attempts']:>8} attempts {h['errors']:>6} errors "
            f"{h['error_rate'] * 100:5.1f}%"
        )
    if not data["items"]:
        lines.append(f"  no feature had errors on at least {data['min_attempts']} attempts")
    return "\n".join(lines)


@pilots.group("rules")
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
        click.echo(to_json(data))
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


pilots.add_command(did)
