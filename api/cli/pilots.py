"""`uptake pilots …`: the pilot comparison on the command line.

`compare`, `survival` (time to proficiency), `chart` and `did --from-db` run the API's handlers
(`api.cli.operator`: the API's JSON and validation); `readiness` and `rules` are the readiness
gate; `hotspots` the chain's error hot spots; `did --panel FILE` the DiD on any panel file.
"""

from __future__ import annotations

from pathlib import Path

import click

from adoption.scoring.rules import load_rules
from adoption.usage.insights import chain_hotspots
from api.cli.context import FORMAT, format_option, pass_ctx, render, rows_text
from api.cli.did import did
from api.cli.operator import call, echo, segment
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
    click.echo(render(data, fmt, rows=_evidence_rows, people=_readiness_table), nl=False)


def _evidence_rows(data: dict) -> list[dict]:
    """One line per rule and piece of evidence (CSV)."""
    return [
        {"rule_id": r["rule"]["id"], "rule": r["rule"]["text"], "rule_passed": r["passed"], **e}
        for r in data["rules"]
        for e in r["evidence"]
    ]


def _readiness_table(data: dict) -> str:
    # No rule yet is not a NO GO on evidence (`status` no_rule).
    verdict = "NO RULE YET" if data["status"] == "no_rule" else data["decision"].upper()
    lines = [f"wave {data['wave']}: {verdict} — {data['reason']}"]
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
    click.echo(render(data, fmt, rows="items", people=_hotspots_table), nl=False)


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
    click.echo(render(data, fmt, people=_rules_lines), nl=False)


def _rules_lines(data: list[dict]) -> str:
    return "".join(
        f"{r['id']:>4}  {'' if r['enabled'] else '(disabled) '}{r['text']}\n" for r in data
    )


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
        rule = readiness_rules.add_rule(session, values, now=utcnow(), actor=ctx.actor)
    click.echo(f"rule {rule['id']}: {rule['text']}")


@rules.command("remove")
@click.argument("rule_id", type=click.IntRange(1, 2**31 - 1))
@pass_ctx
def rules_remove(ctx, rule_id) -> None:
    """Remove a rule by id."""
    with ctx.unit_of_work() as session:
        rule = readiness_rules.remove_rule(session, rule_id, now=utcnow(), actor=ctx.actor)
    click.echo(f"removed rule {rule['id']}: {rule['text']}")


pilots.add_command(did)


CHART_ARGS = (
    click.option(
        "--metric", help="adoption_rate (the API's default) or another metric of the comparison."
    ),
    click.option("--weighting", help="sites (the API's default) or rostered."),
    click.option("--seed", help="Seed of the bootstrap and permutations (default 0)."),
)


def chart_args(command):
    """The comparison's and the charts' query parameters, as the API names them."""
    for option in reversed(CHART_ARGS):
        command = option(command)
    return command


@pilots.command("compare")
@click.option("--week", required=True, help="Week since go-live (>= 0).")
@chart_args
@format_option("table")
@pass_ctx
def compare(ctx, week, metric, weighting, seed, fmt) -> None:
    """Pilot vs non-pilot sites at a week since go-live: the effect with its CI and p-value,
    and the site values it rests on (GET /pilots/comparison); a table or CSV of the sites."""
    query = {"week": week, "metric": metric, "weighting": weighting, "seed": seed}
    echo(ctx, fmt, "GET", "/pilots/comparison", query=query, rows="sites", people=_compare_table)


def _compare_table(data: dict) -> str:
    effect = data["effect"]
    head = (
        f"{data['metric']} at week {data['week']} ({data['weighting']}): pilot "
        f"{_num(data['pilot']['mean'])} (n={data['pilot']['n_sites']}), control "
        f"{_num(data['control']['mean'])} (n={data['control']['n_sites']})\n"
        f"effect {_num(effect['estimate'])} [{_num(effect['ci_low'])}, "
        f"{_num(effect['ci_high'])}] p={_num(effect['p_value'])} ({effect['method']})\n"
    )
    caveats = "".join(f"  - {c}\n" for c in data["caveats"])
    return (
        head
        + (f"caveats:\n{caveats}" if caveats else "")
        + "\n"
        + rows_text(data["sites"], "table")
    )


def _num(value) -> str:
    return "-" if value is None else f"{value:.4f}"


@pilots.command("survival")
@format_option("table")
@pass_ctx
def survival(ctx, fmt) -> None:
    """Time to proficiency: Kaplan-Meier curves of pilot and control, medians with CIs and the
    log-rank test (GET /pilots/time-to-proficiency); a table or CSV of the curve points."""
    echo(
        ctx,
        fmt,
        "GET",
        "/pilots/time-to-proficiency",
        rows=_survival_rows,
        people=_survival_table,
    )


def _survival_rows(data: dict) -> list[dict]:
    return [{"group": g, **point} for g in ("pilot", "control") for point in data[g]["curve"]]


def _survival_table(data: dict) -> str:
    summary = [
        {"group": g, **{k: v for k, v in data[g].items() if k != "curve"}}
        for g in ("pilot", "control")
    ]
    test = data["log_rank"]
    return (
        rows_text(summary, "table")
        + f"log-rank: statistic {_num(test['statistic'])}, df {test['df']}, "
        f"p {_num(test['p_value'])}\n\n" + rows_text(_survival_rows(data), "table")
    )


@pilots.command("chart")
@click.argument("chart")
@click.option(
    "--out",
    required=True,
    type=click.File("wb"),
    help="The file to write (- for stdout); its suffix (.svg, .png) is the default --type.",
)
@click.option("--type", "image", help="svg or png; default: the suffix of --out, else svg.")
@chart_args
@pass_ctx
def chart(ctx, chart, out, image, metric, weighting, seed) -> None:
    """A chart for slide decks, byte for byte the API's (GET /pilots/charts/{chart}.{fmt});
    CHART is curve, effect or time-to-proficiency."""
    suffix = Path(out.name).suffix.lstrip(".").lower() if out.name != "<stdout>" else ""
    image = image or (suffix if suffix in {"svg", "png"} else "svg")
    query = {"metric": metric, "weighting": weighting, "seed": seed}
    response = call(ctx, "GET", f"/pilots/charts/{segment(chart)}.{segment(image)}", query=query)
    out.write(response.get_data())
    out.flush()
