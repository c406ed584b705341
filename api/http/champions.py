"""Monthly champions (read, close, reopen, export) and an employee's badges. Thin handlers.

Champions are pay data: hr and admin only (the contract gives hr "champions (read, close)";
rollout leads see boards, not the payroll list). Reopening is admin only.
"""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, g

from adoption.masterdata import records
from api import database
from api.auth import require_person, requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, month_of, path
from api.pagination import day_of, next_link, parse_cursor
from api.schemas.champions import (
    BadgeListArgs,
    BadgeSchema,
    ChampionMonthReviewSchema,
    ChampionMonthSchema,
    ExportArgs,
    MonthArgs,
    ReopenSchema,
)
from rewards import badges, exports
from rewards.champions import months, review

bp = Blueprint("champions", __name__, description="Monthly champions, exports and badges.")


def _roles() -> tuple[str, ...]:
    return current_app.extensions["uptake"].settings.ineligible_roles


@bp.get("/champions/<month>", parameters=path("month"))
@requires("hr")
@bp.arguments(MonthArgs, location="query")
@bp.response(200, ChampionMonthReviewSchema)
def get_month(args, month):
    """The month's champions (`?version=`, else the newest), whether it may close now
    (`can_close`) and the sites still living its last day (`running_sites`)."""
    return review.month_review(
        database.session(),
        month_of(month),
        args["version"],
        now=utcnow(),
        ineligible_roles=_roles(),
    )


@bp.post("/champions/<month>/close", parameters=path("month"))
@requires("hr")
@bp.response(200, ChampionMonthSchema)
def close_month(month):
    """Freeze the month; a closed month is returned unchanged; 409 month_not_over before its
    last local day has ended at every site."""
    month_of(month)
    session = database.session()
    result = months.close_month(
        session, month, now=utcnow(), actor=g.principal.name, ineligible_roles=_roles()
    )
    return result


@bp.post("/champions/<month>/reopen", parameters=path("month"))
@requires()
@bp.arguments(ReopenSchema, required=False)
@bp.response(200, ChampionMonthSchema)
def reopen_month(body, month):
    """A new draft version of a closed month (admin only, audited)."""
    month_of(month)
    session = database.session()
    result = months.reopen_month(
        session,
        month,
        now=utcnow(),
        actor=g.principal.name,
        note=(body or {}).get("note"),
        ineligible_roles=_roles(),
    )
    return result


@bp.get("/champions/<month>/export", parameters=path("month"))
@requires("hr")
@bp.arguments(ExportArgs, location="query")
@bp.response(
    200,
    description="CSV (UTF-8 with BOM) or XLSX. A draft says DRAFT in its file name and `draft` in "
    "every row's status; a draft XLSX opens with a DRAFT banner row above the header.",
)
def export_month(args, month):
    """The month (`?version=`, else the newest) as a file for payroll; audited."""
    month_of(month)
    session = database.session()
    file = exports.export_month(
        session,
        month,
        args["format"],
        now=utcnow(),
        actor=g.principal.name,
        version=args["version"],
        ineligible_roles=_roles(),
    )
    return Response(
        file.content,
        content_type=file.content_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@bp.get("/employees/<user_id>/badges", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(BadgeListArgs, location="query")
@bp.response(200, BadgeSchema(many=True))
def employee_badges(args, user_id):
    """Hr and admin: anyone; a manager: people of its sites; an employee: itself. Oldest first."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, "badges")
    limit = args["limit"]
    items = badges.list_badges(
        session, employee, limit=limit, after=parse_cursor(args["cursor"], _badge_key)
    )
    return items, 200, next_link(items, limit, lambda b: f"{b['awarded_on']} {b['badge']}")


def _badge_key(text: str) -> tuple[date, str]:
    """A badge cursor, "YYYY-MM-DD badge": the (awarded_on, badge) of the last one listed."""
    day, sep, badge = text.partition(" ")
    if not sep or not badge:
        raise ValueError(text)
    return day_of(day), badge
