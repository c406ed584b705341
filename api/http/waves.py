"""Rollout waves: plan a wave (its sites, planned go-live and canary share) and list them, each
with its status and go-live dates now."""

from __future__ import annotations

from flask import g

from adoption import limits
from api import database
from api.auth import requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, check_id, path
from api.pagination import PageArgs, id_cursor, next_link
from api.schemas.waves import (
    WavePutSchema,
    WaveSchema,
)
from pilots import waves

bp = Blueprint("waves", __name__, description="Rollout waves.")


@bp.get("/waves")
@requires("rollout_lead")
@bp.arguments(PageArgs, location="query")
@bp.response(200, WaveSchema(many=True))
def list_waves(args):
    limit = args["limit"]
    items = waves.list_waves(
        database.session(),
        limit=limit,
        now=utcnow(),
        after=id_cursor(args["cursor"], limits.WAVE),
    )
    return items, 200, next_link(items, limit, lambda w: w["wave"])


@bp.get("/waves/<int:n>", parameters=path("n"))
@requires("rollout_lead")
@bp.response(200, WaveSchema)
def get_wave(n):
    return waves.get_wave(database.session(), check_id("n", n, limits.WAVE), now=utcnow())


@bp.put("/waves/<int:n>", parameters=path("n"))
@requires("rollout_lead")
@bp.arguments(WavePutSchema)
@bp.response(200, WaveSchema)
@bp.alt_response(201, schema=WaveSchema, description="Created")
def put_wave(values, n):
    session = database.session()
    check_id("n", n, limits.WAVE)
    wave, created = waves.put_wave(session, n, values, now=utcnow(), actor=g.principal.name)
    return wave, 201 if created else 200
