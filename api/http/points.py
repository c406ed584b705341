"""A person's points row by row, manual awards and penalties, and the versioned points config.
Thin handlers: the rules are `rewards.points_trace`, `rewards.awards`, `rewards.points_config`.
"""

from __future__ import annotations

from flask import g

from adoption.masterdata import records
from api import database
from api.auth import require_person, requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.schemas.points import (
    AwardSchema,
    LedgerRowSchema,
    PointsConfigSchema,
    StatementArgs,
    StatementSchema,
)
from rewards.awards import award_points
from rewards.points_config import create_points_rules, list_points_rules
from rewards.points_trace import ledger_entry, points_statement, statement_window

bp = Blueprint("points", __name__, description="Points row by row, awards, the points config.")


@bp.get("/employees/<user_id>/points", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(StatementArgs, location="query")
@bp.response(200, StatementSchema)
def employee_points(args, user_id):
    """The person's ledger rows of the window (default: this month at the home site through
    today), oldest first, each with the events behind it; per-day totals and the total. The
    person, its home site's manager, hr and admin (others: 404 as for an unknown id)."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, "points")
    now = utcnow()
    first, last = statement_window(employee, now, args["from_"], args["to"])
    return points_statement(session, employee, first, last, now=now)


@bp.post("/employees/<user_id>/awards", parameters=path("user_id"))
@requires("hr", "manager")
@bp.arguments(AwardSchema)
@bp.response(201, LedgerRowSchema)
def give_award(body, user_id):
    """± points for a reason (and optionally a badge) at the person's home site today; 409 in a
    closed month or for a badge already held, 422 over the monthly award cap. A manager awards
    the people of its sites only (others: 404 as for an unknown id). Audited."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, "points")
    now = utcnow()
    row_id = award_points(
        session,
        employee,
        points=body["points"],
        reason=body["reason"],
        badge=body["badge"],
        actor=g.principal.name,
        now=now,
        giver_employee_id=g.principal.employee_id,
    )
    return ledger_entry(session, row_id, now=now)


@bp.get("/points/configs")
@requires("hr", "rollout_lead", "manager", "employee")
@bp.response(200, PointsConfigSchema(many=True))
def points_configs():
    """Every version, oldest first; the last one is active. Ledger rows name their version."""
    return [r.as_dict() for r in list_points_rules(database.session())]


@bp.post("/points/configs")
@requires()
@bp.arguments(PointsConfigSchema)
@bp.response(201, PointsConfigSchema)
def create_points_config(changes):
    """Admin only: a new version from the active one plus the fields sent (audited)."""
    session = database.session()
    return create_points_rules(session, changes, now=utcnow(), actor=g.principal.name).as_dict()
