"""POST /events: read the body (gzip, limits), then one domain call, committed by the request."""

from __future__ import annotations

import zlib

from flask import request
from flask_smorest import Blueprint

from adoption.errors import TooLarge, Unreadable, UnsupportedEncoding
from adoption.identity.credentials import Principal
from adoption.ingest import quarantine
from adoption.ingest.batch import check_events, ingest_batch
from adoption.ingest.json_input import read_json
from adoption.ingest.validation import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from api import database
from api.auth import recheck_principal, requires
from api.clock import utcnow
from api.errors import error_response, status_and_code
from api.schemas.events import IngestResultSchema

bp = Blueprint("events", __name__, description="Usage events from the deployed system.")

BATCH_DOC = {
    "required": True,
    "description": 'A JSON array of events, or {"events": [...]}; gzip accepted. '
    f"At most {MAX_EVENTS_PER_BATCH:,} events and {MAX_BODY_BYTES:,} bytes decompressed.",
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                    {"$ref": "#/components/schemas/EventBatch"},
                ]
            }
        }
    },
}


@bp.post("/events")
@requires("ingest")
@bp.doc(requestBody=BATCH_DOC)
@bp.response(200, IngestResultSchema)
@database.reads_first
def post_events():
    """The token was read in a reader's transaction; the body is parsed and every event validated
    before the writer's transaction begins, so a sender holds SQLite's write lock only to place
    and store its batch. The token is looked up again there: one revoked meanwhile stores
    nothing."""
    now = utcnow()
    raw = request.get_data(cache=False)
    try:
        events = check_events(parse_batch(decoded_body(raw)), now)
    except Unreadable as exc:  # unreadable input is kept, never dropped; 413/415 store nothing
        reasons = {"body": [exc.message]}
        source = _begin_writing().name
        quarantine.store_body(database.session(), source, raw, reasons, now)
        database.keep_on_error()
        return error_response(*status_and_code(exc), exc.message, reasons)
    principal = _begin_writing()
    allowed = principal.site_keys if principal.role == "ingest" and principal.site_keys else None
    return ingest_batch(
        database.session(), source=principal.name, events=events, now=now, allowed_sites=allowed
    )


def _begin_writing() -> Principal:
    """The writer's transaction, with the caller looked up again inside it."""
    database.begin_writing()
    return recheck_principal()


def decoded_body(raw: bytes) -> bytes:
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        body = raw
    elif encoding in ("gzip", "x-gzip"):
        body = gunzip(raw)
    else:
        raise UnsupportedEncoding(f"Content-Encoding {encoding!r} is not supported; use gzip.")
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    return body


def gunzip(raw: bytes) -> bytes:
    """Decompress, refusing to inflate past the limit (a gzip bomb costs us nothing)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
            raise too_large()
        body += inflater.flush()
    except zlib.error as exc:
        raise Unreadable(f"The gzip body could not be read: {exc}.") from exc
    if not inflater.eof:
        raise Unreadable("The gzip body is truncated.")
    return body


def too_large() -> TooLarge:
    return TooLarge(
        f"At most {MAX_EVENTS_PER_BATCH:,} events and {MAX_BODY_BYTES:,} bytes "
        "(decompressed) per request; nothing was stored.",
        {"max_events": MAX_EVENTS_PER_BATCH, "max_bytes": MAX_BODY_BYTES},
    )


def parse_batch(body: bytes) -> list:
    """Bytes → the list of raw events; 400 for anything that is not a batch, 413 when too many."""
    data = read_json(body)  # Unreadable, never a RecursionError nor a ValueError (5,000 digits)
    if isinstance(data, dict):
        if set(data) != {"events"} or not isinstance(data["events"], list):
            raise Unreadable('An object body must be {"events": [...]} and nothing else.')
        data = data["events"]
    if not isinstance(data, list):
        raise Unreadable('The body must be an array of events or {"events": [...]}.')
    if len(data) > MAX_EVENTS_PER_BATCH:
        raise too_large()
    return data
