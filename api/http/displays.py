"""Store display links (docs/api.md "Store displays"): admins, and managers for their own
stores, create, list and revoke the read-only links of the back-office TV. Thin handlers: the
rules are `rewards.display`."""

from __future__ import annotations

from dataclasses import asdict

from flask import g, url_for

from adoption import limits
from api import database
from api.auth import requires, visible_site, visible_site_ids
from api.clock import utcnow
from api.http.blueprint import Blueprint, check_id, path
from api.schemas.displays import (
    DisplayCreatedSchema,
    DisplayCreateSchema,
    DisplayListArgs,
    DisplaySchema,
)
from rewards.display import create_display, get_display, list_displays, revoke_display

bp = Blueprint("displays", __name__, description="Read-only links for a store's TV.")
NO_STORE = {"Cache-Control": "no-store"}


@bp.post("/displays")
@requires("manager")
@bp.arguments(DisplayCreateSchema)
@bp.response(201, DisplayCreatedSchema)
def create(body):
    """A new link for the store, its URL and token shown once (a manager: its own stores, 403
    otherwise); 409 when a live link of the store has the name. Audited."""
    session = database.session()
    site = visible_site(session, g.principal, body["site_id"])
    link, plain = create_display(
        session,
        site,
        name=body["name"],
        expires_in_days=body["expires_in_days"],
        now=utcnow(),
        actor=g.principal.name,
    )
    url = url_for("display.show", token=plain, _external=True)
    return {**asdict(link), "url": url, "token": plain}, 201, NO_STORE


@bp.get("/displays")
@requires("manager")
@bp.arguments(DisplayListArgs, location="query")
@bp.response(200, DisplaySchema(many=True))
def index(args):
    """The display links (of `site_id`, else of every store the caller sees), oldest first,
    revoked and expired ones with their status; never a token."""
    session = database.session()
    sites = visible_site_ids(g.principal)
    if args["site_id"] is not None:
        sites = {visible_site(session, g.principal, args["site_id"]).id}
    return [asdict(link) for link in list_displays(session, site_ids=sites, now=utcnow())]


@bp.delete("/displays/<int:display_id>", parameters=path("display_id"))
@requires("manager")
@bp.response(200, DisplaySchema)
def revoke(display_id):
    """Revoke the link: the screen shows the 404 page at its next refresh. A link of another
    store is the 404 of an unknown id; revoking a revoked link changes nothing. Audited."""
    check_id("display_id", display_id, limits.ROW_ID)
    session = database.session()
    token = get_display(session, display_id, site_ids=visible_site_ids(g.principal))
    return asdict(revoke_display(session, token, now=utcnow(), actor=g.principal.name))
