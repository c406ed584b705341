"""Rollout waves and the readiness gate: plan a wave, set the rules, ask for go / no-go."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from adoption.scoring_rules import load_rules
from api import database
from api.auth import requires
from api.clock import utcnow
from api.errors import ApiError
from api.pagination import PageArgs, decode_cursor, next_link
from api.schemas.waves import (
    ReadinessArgs,
    ReadinessSchema,
    RuleSchema,
    WavePutSchema,
    WaveSchema,
)
from pilots import readiness, readiness_rules, waves

bp = Blueprint("waves", __name__, description="Rollout waves and the readiness gate.")


@bp.get("/waves")
@requires("rollout_lead")
@bp.arguments(PageArgs, location="query")
@bp.response(200, WaveSchema(many=True))
def list_waves(args):
    cursor = decode_cursor(args["cursor"])
    if cursor is not None and not cursor.isdigit():
        raise ApiError(
            422, "validation_error", "The input is not valid.", {"cursor": ["Not a valid cursor."]}
        )
    limit = args["limit"]
    items = waves.list_waves(
        database.session(), limit=limit, after=int(cursor) if cursor is not None else None
    )
    return items, 200, next_link(items, limit, lambda w: w["wave"])


@bp.get("/waves/<int:n>")
@requires("rollout_lead")
@bp.response(200, WaveSchema)
def get_wave(n):
    return waves.get_wave(database.session(), n)


@bp.put("/waves/<int:n>")
@requires("rollout_lead")
@bp.arguments(WavePutSchema)
@bp.response(200, WaveSchema)
@bp.alt_response(201, schema=WaveSchema, description="Created")
def put_wave(values, n):
    session = database.session()
    wave, created = waves.put_wave(session, n, values, now=utcnow(), actor=g.principal.name)
    session.commit()
    return wave, 201 if created else 200


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
    session.commit()
    return stored
