"""Leaderboards: who may see which board, then one call to rewards.leaderboards or rewards.team."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from adoption.errors import Forbidden
from adoption.identity.credentials import Principal
from api import database
from api.auth import require_site, requires, reveals_opted_out, visible_site
from api.clock import utcnow
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
    scope = leaderboards.resolve_scope(session, args["scope"])
    _authorise(g.principal, scope)
    return leaderboards.leaderboard(
        session,
        scope=scope,
        period=args["period"],
        metric=args["metric"],
        limit=args["limit"],
        reveal_opted_out=reveals_opted_out(g.principal),
        now=utcnow(),
    )


@bp.get("/sites/<site_id>/team")
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
        reveal_opted_out=reveals_opted_out(g.principal),
        now=utcnow(),
        me=g.principal.employee_id,
    )


def _authorise(principal: Principal, scope: Scope) -> None:
    """Scoped roles see site boards within their scope only; region and chain boards are 403."""
    if not principal.scoped:
        return
    if scope.kind != "site":
        raise Forbidden(
            f"A {principal.role} may only see the boards of its own sites.", {"scope": scope.label}
        )
    (site_id,) = scope.site_ids
    require_site(principal, site_id, scope.label.removeprefix("site:"))
