"""Everything under /pilots: comparison, time to proficiency, charts, the staggered DiD and the
readiness gate with its rules (rollout leads and admins)."""

from __future__ import annotations

from flask import Response, current_app, g
from flask_babel import gettext

from adoption.privacy import group_row
from adoption.scoring.rules import load_rules
from adoption.usage.insights import chain_hotspots
from api import database
from api.auth import requires, viewer
from api.clock import utcnow
from api.http.blueprint import Blueprint
from api.schemas.did import DidArgs, DidSchema
from api.schemas.pilots import (
    ChainHotspotsSchema,
    ChartArgs,
    ComparisonArgs,
    ComparisonSchema,
    TimeToProficiencySchema,
)
from api.schemas.waves import ReadinessArgs, ReadinessSchema, RuleSchema
from pilots import readiness, readiness_rules, report, survival
from pilots.charts import FORMATS
from pilots.did.panel import did_from_db

bp = Blueprint("pilots", __name__, description="Pilot vs non-pilot comparison and charts.")


@bp.get("/pilots/comparison")
@requires("rollout_lead")
@bp.arguments(ComparisonArgs, location="query")
@bp.response(200, ComparisonSchema)
def pilots_comparison(args):
    """Curves by week since go-live and the effect at `week` (method in DESIGN.md)."""
    session = database.session()
    now, rules = utcnow(), load_rules(session)
    result = report.comparison(session, now=now, rules=rules, **args)
    words = {k: args[k] for k in ("metric", "weighting", "seed")}
    result["verdict"] = report.verdict(session, now=now, rules=rules, gettext=gettext, **words)
    # A site's value is an aggregate over its population: withheld below the minimum group
    # (docs/privacy.md); the effect, over whole groups of sites, is not.
    min_group = current_app.extensions["uptake"].settings.min_group
    who = viewer(g.principal)
    sites = [
        group_row(who, row, size=row["population"], figures=("value",), min_group=min_group)
        for row in result["sites"]
    ]
    return {**result, "sites": sites}


@bp.get("/pilots/time-to-proficiency")
@requires("rollout_lead")
@bp.response(200, TimeToProficiencySchema)
def pilots_time_to_proficiency():
    """Kaplan–Meier curves per group, medians with CIs and the log-rank test."""
    session = database.session()
    return survival.time_to_proficiency(session, now=utcnow(), rules=load_rules(session))


@bp.get("/pilots/hotspots")
@requires("rollout_lead")
@bp.response(200, ChainHotspotsSchema)
def pilots_hotspots():
    """The chain's error hot spots as the /pilots page shows them: all sites, the last 28 local
    days that have ended at every site, features with at least 20 attempts, highest error rate
    first."""
    return chain_hotspots(database.session(), utcnow())


@bp.get("/pilots/charts/<chart>.<fmt>")
@requires("rollout_lead")
@bp.arguments(ChartArgs, location="query")
@bp.doc(
    responses={
        "200": {
            "description": "The chart as a file for slide decks.",
            "content": {mime: {"schema": {"type": "string", "format": "binary"}}
                        for mime in FORMATS.values()},
        }
    },
)  # fmt: skip
def pilots_chart(args, chart, fmt):
    """`chart`: curve, effect or time-to-proficiency; `fmt`: svg or png (else 404)."""
    session = database.session()
    body, filename = report.render_chart(
        session, chart=chart, fmt=fmt, now=utcnow(), rules=load_rules(session), **args
    )
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/pilots/did")
@requires("rollout_lead")
@bp.arguments(DidArgs, location="query")
@bp.response(200, DidSchema)
def get_did(args):
    """Callaway & Sant'Anna ATT(g, t) of a programme started in different weeks at live sites."""
    session = database.session()
    return did_from_db(
        session,
        metric=args["metric"],
        control=args["control"],
        seed=args["seed"],
        now=utcnow(),
        rules=load_rules(session),
        start=args["start"],
    )


@bp.get("/pilots/readiness")
@requires("rollout_lead")
@bp.arguments(ReadinessArgs, location="query")
@bp.response(200, ReadinessSchema)
def get_readiness(args):
    """Go / no-go for a wave, with the evidence of every rule (site, week, value)."""
    session = database.session()
    return readiness.readiness(session, args["wave"], now=utcnow(), rules=load_rules(session))


@bp.get("/pilots/readiness/rules")
@requires("rollout_lead")
@bp.response(200, RuleSchema(many=True))
def get_rules():
    return readiness_rules.list_rules(database.session())


@bp.put("/pilots/readiness/rules")
@requires("rollout_lead")
@bp.arguments(RuleSchema(many=True))
@bp.response(200, RuleSchema(many=True))
def put_rules(rules):
    """Replace the whole rule set; an unchanged rule keeps its id."""
    session = database.session()
    stored = readiness_rules.replace_rules(session, rules, now=utcnow(), actor=g.principal.name)
    return stored
