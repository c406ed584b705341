"""The quarantine for admins: list, replay (optionally corrected), discard."""

from __future__ import annotations

from functools import partial

from flask import g, request

from adoption import limits
from adoption.identity import credentials
from adoption.ingest import quarantine
from adoption.ingest.validation import read_json
from api import database
from api.auth import requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, check_id, path
from api.pagination import id_cursor, next_link
from api.schemas.masterdata import QuarantineListArgs, QuarantineSchema, ReplayResultSchema

bp = Blueprint("quarantine", __name__, description="Bad input, kept until fixed or discarded.")


@bp.get("/quarantine")
@requires()
@bp.arguments(QuarantineListArgs, location="query")
@bp.response(200, QuarantineSchema(many=True))
def list_quarantine(args):
    status = None if args["status"] == "all" else args["status"]
    items = quarantine.list_items(
        database.session(),
        status=status,
        limit=args["limit"],
        after_id=id_cursor(args["cursor"], limits.Whole(0, limits.INT64_MAX)),
    )
    return items, 200, next_link(items, args["limit"], lambda i: i.id)


@bp.post("/quarantine/<int:item_id>/replay", parameters=path("item_id"))
@requires()
@bp.doc(
    requestBody={
        "required": False,
        "description": "Optionally, the corrected event.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
    }
)
@bp.response(200, ReplayResultSchema)
def replay(item_id):
    check_id("item_id", item_id, limits.ID)
    session = database.session()
    corrected = _optional_json()
    outcome = quarantine.replay(
        session,
        item_id,
        now=utcnow(),
        actor=g.principal.name,
        corrected=corrected,
        sender_of=partial(credentials.sender_format, session),
    )
    return outcome


@bp.post("/quarantine/<int:item_id>/discard", parameters=path("item_id"))
@requires()
@bp.response(200, QuarantineSchema)
def discard(item_id):
    check_id("item_id", item_id, limits.ID)
    session = database.session()
    item = quarantine.discard(session, item_id, now=utcnow(), actor=g.principal.name)
    return item


def _optional_json():
    body = request.get_data(cache=False)
    if not body.strip():
        return None
    return read_json(body)  # Unreadable (400) when it is not JSON
