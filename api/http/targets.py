"""Targets and their progress (rollout leads and admins; hr reads them). Thin handlers: the
rules are `pilots.targets` and `pilots.target_progress`."""

from __future__ import annotations

from flask import current_app, g, url_for

from adoption import limits
from adoption.scoring.rules import load_rules
from api import database
from api.auth import requires, viewer
from api.clock import utcnow
from api.http.blueprint import Blueprint, check_id, path
from api.schemas.targets import (
    TargetBodySchema,
    TargetDetailSchema,
    TargetListItemSchema,
    TargetSchema,
)
from pilots import targets

bp = Blueprint(
    "targets", __name__, description="Targets: a metric over a population by a deadline."
)


@bp.get("/targets")
@requires("rollout_lead", "hr")
@bp.response(200, TargetListItemSchema(many=True))
def list_targets():
    """Every target with its overall status and value now, by id."""
    session = database.session()
    overview = targets.targets_overview(session, now=utcnow(), rules=load_rules(session))
    shown = [_visible(t["progress"]) for t in overview]
    keys = ("status", "value", "final", "suppressed")
    return [{**t, **{k: p[k] for k in keys}} for t, p in zip(overview, shown, strict=True)]


@bp.post("/targets")
@requires("rollout_lead")
@bp.arguments(TargetBodySchema)
@bp.response(201, TargetSchema)
def add_target(body):
    """Create a target (audited); 422 names each bad field. `Location` is its URL."""
    target = targets.add_target(database.session(), body, now=utcnow(), actor=g.principal.name)
    return target, 201, {"Location": url_for("targets.get_target", target_id=target["id"])}


@bp.get("/targets/<int:target_id>", parameters=path("target_id"))
@requires("rollout_lead", "hr")
@bp.response(200, TargetDetailSchema)
def get_target(target_id):
    """The target with its progress per site and overall, and the method in words. A site's
    values are withheld below the minimum group (docs/privacy.md), as on the comparison."""
    check_id("target_id", target_id, limits.ROW_ID)
    session = database.session()
    target = targets.target_progress(session, target_id, now=utcnow(), rules=load_rules(session))
    return {**target, "progress": _visible(target["progress"])}


def _visible(progress: dict) -> dict:
    """`pilots.targets.visible_progress` for the caller (hr and admins see small groups)."""
    min_group = current_app.extensions["uptake"].settings.min_group
    return targets.visible_progress(progress, viewer(g.principal), min_group=min_group)


@bp.put("/targets/<int:target_id>", parameters=path("target_id"))
@requires("rollout_lead")
@bp.arguments(TargetBodySchema)
@bp.response(200, TargetSchema)
def put_target(body, target_id):
    """Replace the target (audited): a field left out is cleared."""
    check_id("target_id", target_id, limits.ROW_ID)
    return targets.update_target(
        database.session(), target_id, body, now=utcnow(), actor=g.principal.name
    )


@bp.delete("/targets/<int:target_id>", parameters=path("target_id"))
@requires("rollout_lead")
@bp.response(204)
def delete_target(target_id):
    """Remove the target (audited)."""
    check_id("target_id", target_id, limits.ROW_ID)
    targets.remove_target(database.session(), target_id, now=utcnow(), actor=g.principal.name)
