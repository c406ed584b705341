"""Pilot vs non-pilot comparison, time to proficiency and charts (rollout leads and admins)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from adoption.scoring_rules import load_rules
from api import database
from api.auth import requires
from api.clock import utcnow
from api.schemas.pilots import (
    ChartArgs,
    ComparisonArgs,
    ComparisonSchema,
    TimeToProficiencySchema,
)
from pilots import report, survival
from pilots.charts import FORMATS

bp = Blueprint("pilots", __name__, description="Pilot vs non-pilot comparison and charts.")


@bp.get("/pilots/comparison")
@requires("rollout_lead")
@bp.arguments(ComparisonArgs, location="query")
@bp.response(200, ComparisonSchema)
def pilots_comparison(args):
    """Curves by week since go-live and the effect at `week` (method in DESIGN.md)."""
    session = database.session()
    return report.comparison(session, now=utcnow(), rules=load_rules(session), **args)


@bp.get("/pilots/time-to-proficiency")
@requires("rollout_lead")
@bp.response(200, TimeToProficiencySchema)
def pilots_time_to_proficiency():
    """Kaplan–Meier curves per group, medians with CIs and the log-rank test."""
    session = database.session()
    return survival.time_to_proficiency(session, now=utcnow(), rules=load_rules(session))


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
