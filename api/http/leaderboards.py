"""Leaderboards: who may see which board, then one call to rewards.leaderboards or rewards.team."""

from __future__ import annotations

from flask import g

from adoption.errors import Forbidden
from adoption.identity.credentials import Principal
from api import database
from api.auth import requires, viewer, visible_site
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.schemas.boards import LeaderboardArgs, LeaderboardSchema, TeamArgs, TeamBoardSchema
from rewards import leaderboards
from rewards.leaderboards import Scope
from rewards.team import team_board

bp = Blueprint("boards", __name__, description="Leaderboards of points, proficiency, improvement.")


@bp.get("/leaderboards")
@requires("hr", "rollout_lead", "manager", "employee")
@bp.arguments(LeaderboardArgs, location="query")
@bp.response(200, LeaderboardSchema)
def get_leaderboard(args):
    """A site, region or chain board; a manager sees its sites' boards, an employee its home's."""
    session = database.session()
    scope = _visible_scope(session, g.principal, args["scope"])
    return leaderboards.leaderboard(
        session,
        scope=scope,
        period=args["period"],
        metric=args["metric"],
        limit=args["limit"],
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
