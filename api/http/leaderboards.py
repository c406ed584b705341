"""Leaderboards: who may see which board, then one call to rewards.leaderboards, rewards.team,
rewards.around or rewards.store_board."""

from __future__ import annotations

from flask import current_app, g

from adoption.errors import Forbidden, Invalid, NotFound
from adoption.identity.credentials import Principal
from adoption.masterdata.records import get_employee
from adoption.models import Employee
from adoption.privacy import Person, named_in_ranking
from api import database
from api.auth import require_person, requires, viewer, visible_site
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.schemas.boards import (
    AroundArgs,
    AroundSchema,
    LeaderboardArgs,
    LeaderboardSchema,
    TeamArgs,
    TeamBoardSchema,
)
from rewards import leaderboards
from rewards.around import around
from rewards.leaderboards import Scope
from rewards.store_board import store_board
from rewards.team import team_board

# Roles that see no figure of a store below the minimum group size (docs/privacy.md).
SMALL_SITES_HIDDEN = frozenset({"manager", "rollout_lead"})

bp = Blueprint("boards", __name__, description="Leaderboards of points, proficiency, improvement.")


@bp.get("/leaderboards")
@requires("hr", "rollout_lead", "manager", "employee")
@bp.arguments(LeaderboardArgs, location="query")
@bp.response(200, LeaderboardSchema)
def get_leaderboard(args):
    """A site, region or chain board; a manager sees its sites' boards, an employee its home's.
    `unit=site` ranks the sites of a region or the chain (store vs store) instead of people."""
    session = database.session()
    if args["unit"] == "site":
        if args["division"] != "all":
            raise Invalid({"division": ["Divisions rank people: use unit=person."]})
        return store_board(
            session,
            scope=_store_scope(session, g.principal, args["scope"]),
            period=args["period"],
            metric=args["metric"],
            limit=args["limit"],
            min_group=current_app.extensions["uptake"].settings.min_group,
            now=utcnow(),
            hide_small=g.principal.role in SMALL_SITES_HIDDEN,
        )
    if args["metric"] not in leaderboards.METRICS:
        raise Invalid({"metric": [f"With unit=person, one of: {', '.join(leaderboards.METRICS)}."]})
    scope = _visible_scope(session, g.principal, args["scope"])
    return leaderboards.leaderboard(
        session,
        scope=scope,
        period=args["period"],
        metric=args["metric"],
        limit=args["limit"],
        viewer=viewer(g.principal),
        now=utcnow(),
        division=args["division"],
    )


@bp.get("/leaderboards/around")
@requires("hr", "manager", "employee")
@bp.arguments(AroundArgs, location="query")
@bp.response(200, AroundSchema)
def get_around(args):
    """A person's row on a board with `n` neighbours above and below (ties kept together) and
    the gap to the rank above. The board's scope is checked as for /leaderboards; an employee
    may ask for itself only; anyone else must see the person by name on boards."""
    session = database.session()
    scope = _visible_scope(session, g.principal, args["scope"])
    employee = _person_around(session, g.principal, args["user_id"])
    return around(
        session,
        scope=scope,
        period=args["period"],
        metric=args["metric"],
        employee=employee,
        asked=args["user_id"],
        n=args["n"],
        viewer=viewer(g.principal),
        now=utcnow(),
    )


@bp.get("/sites/<site_id>/team", parameters=path("site_id"))
@requires("hr", "rollout_lead", "manager", "employee")
@bp.arguments(TeamArgs, location="query")
@bp.response(200, TeamBoardSchema)
def get_team_board(args, site_id):
    """The site's team board as its page shows it: ranked rows with level and badges, and the
    period choices (`period` is a choice's key; default this week, last week on a Monday)."""
    session = database.session()
    return team_board(
        session,
        visible_site(session, g.principal, site_id),
        period=args["period"],
        metric=args["metric"],
        viewer=viewer(g.principal),
        now=utcnow(),
        division=args["division"],
    )


def _visible_scope(session, principal: Principal, text: str) -> Scope:
    """The board's scope, if the principal may see it. Scoped roles see the boards of their own
    sites only; to them an unknown site is the same 403 as another site's (`visible_site`), and
    every region or chain board is 403 whether it exists or not (docs/privacy.md)."""
    if principal.scoped:
        kind, _, name = text.strip().partition(":")
        if kind.strip().lower() == "site" and name.strip():
            visible_site(session, principal, name.strip())
        elif kind.strip().lower() in {"region", "chain"}:
            raise Forbidden(
                f"A {principal.role} may only see the boards of its own sites.", {"scope": text}
            )
    return leaderboards.resolve_scope(session, text)


def _store_scope(session, principal: Principal, text: str) -> Scope:
    """A store board's scope: a region or the chain (a site is 422 on `unit`). Managers see
    every site's aggregates (never people: the board has none); employees get 403."""
    if principal.role == "employee":
        raise Forbidden("An employee may see its home site's board only.", {"unit": "site"})
    if text.strip().partition(":")[0].strip().lower() == "site":
        raise Invalid({"unit": ["unit=site ranks the sites of a region or the chain."]})
    return leaderboards.resolve_scope(session, text)


def _person_around(session, principal: Principal, asked: str) -> Employee:
    """Whose window it is, if the caller may ask. An employee: itself only (403 otherwise, for
    an unknown id too). Others: the person by `require_person` (out of reach: the 404 of an
    unknown id, echoing it as asked), and named to the caller on boards (`named_in_ranking`),
    else 403: a window around an "Anonymous" row would say whose it is (docs/privacy.md)."""
    if principal.role == "employee":
        try:
            employee = get_employee(session, asked)
        except NotFound:
            employee = None
        if employee is None or employee.id != principal.employee_id:
            raise Forbidden("An employee may ask for its own window only.", {"user_id": asked})
        return employee
    employee = get_employee(session, asked)
    try:
        require_person(principal, employee, "around")
    except NotFound:
        raise NotFound(f"No employee {asked!r}.", {"user_id": asked}) from None
    person = Person(employee.id, employee.site_id, employee.public_opt_out)
    if not named_in_ranking(viewer(principal), person):
        raise Forbidden(
            f"{asked!r} is shown as Anonymous to you on the boards.", {"user_id": asked}
        )
    return employee
