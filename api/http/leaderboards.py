"""Leaderboards: who may see which board, then one call to rewards.leaderboards."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from adoption.identity.credentials import Principal
from api import database
from api.auth import require_site, requires
from api.clock import utcnow
from api.errors import ApiError
from api.schemas.boards import LeaderboardArgs, LeaderboardSchema
from rewards import leaderboards
from rewards.leaderboards import Scope

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
        viewer_role=g.principal.role,
        now=utcnow(),
    )


def _authorise(principal: Principal, scope: Scope) -> None:
    """Scoped roles see site boards within their scope only; region and chain boards are 403."""
    if not principal.scoped:
        return
    if scope.kind != "site":
        raise ApiError(
            403,
            "forbidden",
            f"A {principal.role} may only see the boards of its own sites.",
            {"scope": scope.label},
        )
    (site_id,) = scope.site_ids
    require_site(principal, site_id, scope.label.removeprefix("site:"))
