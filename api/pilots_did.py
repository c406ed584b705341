"""Staggered difference-in-differences of a weekly site metric (CONTRACT.md `/pilots/did`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from adoption.scoring_rules import load_rules
from api import database
from api.auth import requires
from api.clock import utcnow
from api.schemas.did import DidArgs, DidSchema
from pilots.did_panel import did_from_db

bp = Blueprint("pilots_did", __name__, description="Staggered difference-in-differences.")


@bp.get("/pilots/did")
@requires("rollout_lead")
@bp.arguments(DidArgs, location="query")
@bp.response(200, DidSchema)
def get_did(args):
    """Callaway & Sant'Anna ATT(g, t) of a programme started in different weeks at live sites."""
    session = database.session()
    return did_from_db(
        session,
        metric=args["metric"],
        control=args["control"],
        seed=args["seed"],
        now=utcnow(),
        rules=load_rules(session),
    )
