"""The quarantine for admins: list, replay (optionally corrected), discard."""

from __future__ import annotations

from functools import partial

from flask import g, request

from adoption import limits
from adoption.identity import credentials
from adoption.ingest import quarantine, triage
from adoption.ingest.validation import read_json
from api import database
from api.auth import requires
from api.clock import utcnow
from api.http.blueprint import Blueprint, check_id, path
from api.pagination import id_cursor, next_link
from api.schemas.quarantine import (
    BulkResultSchema,
    BulkSchema,
    QuarantineListArgs,
    QuarantineSchema,
    QuarantineSummaryArgs,
    ReplayResultSchema,
    SummarySchema,
)

bp = Blueprint("quarantine", __name__, description="Bad input, kept until fixed or discarded.")


@bp.get("/quarantine")
@requires()
@bp.arguments(QuarantineListArgs, location="query")
@bp.response(200, QuarantineSchema(many=True))
def list_quarantine(args):
    """Oldest first, narrowed by status (default open), reason, source, site and UTC day."""
    items = triage.list_items(
        database.session(),
        args["filter"],
        limit=args["limit"],
        after_id=id_cursor(args["cursor"], limits.Whole(0, limits.INT64_MAX)),
    )
    return items, 200, next_link(items, args["limit"], lambda i: i.id)


@bp.get("/quarantine/summary")
@requires()
@bp.arguments(QuarantineSummaryArgs, location="query")
@bp.response(200, SummarySchema)
def summary(args):
    """How many items the filter selects, with totals by reason and by source."""
    return triage.summary(database.session(), args["filter"])


@bp.post("/quarantine/replay")
@requires()
@bp.arguments(BulkSchema)
@bp.response(200, BulkResultSchema)
def bulk_replay(args):
    """Replay as stored every open item the filter selects that would pass now (a dry run only
    counts them); the others stay open, totalled by the reason they fail with today. Audited."""
    session = database.session()
    return triage.bulk_replay(
        session,
        args["filter"],
        dry_run=args["dry_run"],
        now=utcnow(),
        actor=g.principal.name,
        sender_of=partial(credentials.sender_format, session),
    )


@bp.post("/quarantine/discard")
@requires()
@bp.arguments(BulkSchema)
@bp.response(200, BulkResultSchema)
def bulk_discard(args):
    """Discard every open item the filter selects (a dry run only counts them). Audited."""
    return triage.bulk_discard(
        database.session(),
        args["filter"],
        dry_run=args["dry_run"],
        now=utcnow(),
        actor=g.principal.name,
    )


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
