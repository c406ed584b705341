"""Drop-in receivers: Segment's (and RudderStack's) and PostHog's tracking APIs at the app root.

An existing client points its host at Uptake and its write key at an ingest token of the
matching format (docs/integrations.md). The body is read as POST /api/v1/events reads it (gzip,
the same limits), `adoption.ingest.compat` maps it, and `adoption.ingest.receive` stores it in
one writer's transaction, with the token looked up again there, as POST /events does.

The key comes from `Authorization` (Basic with the key as the user, or Bearer), else from the
body (Segment's `writeKey`, PostHog's `api_key`/`token`). A token of another format is 403: its
sender's messages would be read wrongly. Answers are what the clients expect: 200 with
`{"success": true}` (Segment) or `{"status": 1}` (PostHog) once the batch is stored, quarantined
messages included; 5xx and 429 make them retry, 4xx make them drop the batch.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from flask import Blueprint, jsonify, request

from adoption.errors import Forbidden, Unauthorized, Unreadable, UnsupportedEncoding
from adoption.identity import credentials
from adoption.identity.credentials import WriteKey
from adoption.ingest import compat, quarantine, receive
from adoption.ingest.json_input import read_json
from adoption.ingest.validation import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from api import database
from api.clock import utcnow
from api.errors import error_response, status_and_code
from api.http.events import decoded_body, gunzip, too_large

bp = Blueprint("receivers", __name__)

NO_KEY = (
    "Send the write key: as the user of HTTP basic auth, as 'Authorization: Bearer <key>', "
    "or in the body (Segment's writeKey, PostHog's api_key)."
)
BAD_KEY = "The write key is invalid, revoked or expired."
GZIP_COMPRESSIONS = ("gzip", "gzip-js")
FORM = "application/x-www-form-urlencoded"


@bp.post("/v1/batch")
@database.reads_first
def segment_batch():
    return _receive("segment", None)


@bp.post("/v1/track")
@bp.post("/v1/t")
@database.reads_first
def segment_track():
    return _receive("segment", "track")


@bp.post("/v1/identify")
@bp.post("/v1/i")
@database.reads_first
def segment_identify():
    return _receive("segment", "identify")


@bp.post("/batch/")
@bp.post("/capture/")
@bp.post("/e/")
@bp.post("/i/v0/e/")
@database.reads_first
def posthog_capture():
    return _receive("posthog", None)


def _receive(fmt: str, kind: str | None):
    """Key, body, mapping and validation in the reader's transaction; then the writer's, with
    the key looked up again (a key revoked meanwhile stores nothing)."""
    now = utcnow()
    raw = request.get_data(cache=False)
    plain = _header_key()
    if plain is not None:
        _write_key(plain, fmt, now)  # 401/403 before the body is even read
    body = None
    try:
        body = _body(raw, fmt)
        messages, body_key = _messages(fmt, kind, read_json(body))
    except Unreadable as exc:
        if plain is None:
            raise Unauthorized(f"{NO_KEY} The body could not be read: {exc.message}") from exc
        return _keep_unreadable(plain, fmt, raw if body is None else body, exc, now)
    plain = plain or body_key
    if plain is None:
        raise Unauthorized(NO_KEY)
    key = _write_key(plain, fmt, now)
    mapped = compat.map_messages(fmt, messages, key.mapping, now)
    checked = receive.check_messages(mapped, now)
    database.begin_writing()
    principal = _write_key(plain, fmt, now).principal
    result = receive.receive(
        database.session(),
        source=principal.name,
        mapped=mapped,
        checked=checked,
        now=now,
        allowed_sites=principal.site_keys or None,
    )
    status = {"success": True} if fmt == "segment" else {"status": 1}
    return jsonify({**status, **result.__dict__})


def _keep_unreadable(plain: str, fmt: str, raw: bytes, exc: Unreadable, now):
    """A body that is no batch is kept under the key's source, as POST /events keeps one
    (decoded when it could be: a client sends the key in the body too, and the key is never
    stored, so each copy of it is blanked); a body too large or in an unknown encoding is
    refused, storing nothing."""
    reasons = exc.details or {"body": [exc.message]}
    raw = raw.replace(plain.encode(), KEY_REMOVED)
    database.begin_writing()
    source = _write_key(plain, fmt, now).principal.name
    quarantine.store_body(database.session(), source, raw, reasons, now)
    database.keep_on_error()
    return error_response(*status_and_code(exc), exc.message, reasons)


KEY_REMOVED = b"[write key removed]"


def _header_key() -> str | None:
    """The key of the Authorization header (Basic user, or Bearer), None without one."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("The basic auth credentials could not be read.") from None
        if user.strip():
            return user.strip()
    raise Unauthorized(NO_KEY)


def _write_key(plain: object, fmt: str, now) -> WriteKey:
    """The live ingest token of this format: 401 for no such key, 403 for another role or
    format (an Uptake token's sender speaks another protocol)."""
    if not isinstance(plain, str) or not plain.strip():
        raise Unauthorized(NO_KEY)
    key = credentials.authenticate_write_key(database.session(), plain.strip(), now=now)
    if key is None:
        raise Unauthorized(BAD_KEY)
    if key.principal.role != "ingest":
        raise Forbidden(f"The role {key.principal.role!r} may not send events.")
    if key.format != fmt:
        raise Forbidden(
            f"This token's format is {key.format!r}; this endpoint takes {fmt} messages. "
            f"Create a write key with `uptake tokens create --role ingest --format {fmt}`.",
            {"format": [f"Must be {fmt!r}, not {key.format!r}."]},
        )
    return key


def _body(raw: bytes, fmt: str) -> bytes:
    """The JSON text: Content-Encoding gzip, and for PostHog its `compression` parameter (gzip,
    gzip-js) and its form body (`data=`, base64 or JSON), all within the same limits."""
    body = decoded_body(raw)
    if fmt != "posthog":
        return body
    compression = request.args.get("compression", "")
    if request.mimetype == FORM:
        try:
            form = parse_qs(body.decode("latin-1"), max_num_fields=10)
        except ValueError as exc:  # more fields than any PostHog client sends
            raise Unreadable(f"The form body could not be read: {exc}.") from exc
        compression = (form.get("compression") or [compression])[0]
        body = _form_data(form, compression)
    if compression in GZIP_COMPRESSIONS and body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    elif compression not in ("", "base64", *GZIP_COMPRESSIONS):
        raise UnsupportedEncoding(
            f"compression {compression!r} is not supported; use gzip, gzip-js or base64.",
            {"compression": ["Must be one of: gzip, gzip-js, base64."]},
        )
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    return body


def _form_data(form: dict, compression: str) -> bytes:
    data = (form.get("data") or [""])[0]
    if not data:
        raise Unreadable("A form body must carry the events in its data field.")
    if compression != "base64" and data.lstrip()[:1] in ("{", "["):
        return data.encode("latin-1")
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Unreadable(f"The data field is not base64: {exc}.") from exc


def _messages(fmt: str, kind: str | None, data: object) -> tuple[list, object]:
    """The request's messages and the key its body carries (None without one)."""
    messages, key = (_segment if fmt == "segment" else _posthog)(kind, data)
    if len(messages) > MAX_EVENTS_PER_BATCH:
        raise too_large()
    return messages, key


def _segment(kind: str | None, data: object) -> tuple[list, object]:
    if not isinstance(data, dict):
        raise Unreadable("The body must be a JSON object.", {"body": ["Must be an object."]})
    if kind is not None:  # /v1/track, /v1/identify: one message of that type
        message = {k: v for k, v in data.items() if k != "writeKey"}  # never kept anywhere
        return [{**message, "type": kind}], data.get("writeKey")
    batch = data.get("batch")
    if not isinstance(batch, list):
        raise Unreadable('A batch body must be {"batch": [...]}.', {"batch": ["Must be a list."]})
    context = data.get("context")
    if isinstance(context, dict):  # the batch's context applies to each message
        batch = [_with_context(m, context) for m in batch]
    return batch, data.get("writeKey")


def _with_context(message: object, context: dict) -> object:
    if not isinstance(message, dict):
        return message
    own = message.get("context")
    return {**message, "context": {**context, **own} if isinstance(own, dict) else context}


def _posthog(_kind: str | None, data: object) -> tuple[list, object]:
    """A batch (`{"api_key", "batch": [...]}`), an array of events or one event."""
    if isinstance(data, dict) and "batch" in data:
        if not isinstance(data["batch"], list):
            raise Unreadable("batch must be a list of events.", {"batch": ["Must be a list."]})
        events = data["batch"]
    elif isinstance(data, list):
        events = data
    elif isinstance(data, dict):
        events = [data]
    else:
        raise Unreadable("The body must be an event, an array of events or a batch.")
    key = _posthog_key(data) if isinstance(data, dict) else None
    if key is None and events:
        key = _posthog_key(events[0])
    return [_without_key(event) for event in events], key


def _posthog_key(node: object) -> object:
    if not isinstance(node, dict):
        return None
    properties = node.get("properties")
    token = properties.get("token") if isinstance(properties, dict) else None
    return node.get("api_key") or node.get("token") or token


def _without_key(event: object) -> object:
    """The event without the key it may carry: a write key is never stored, not in an event's
    properties nor in the quarantine."""
    if not isinstance(event, dict):
        return event
    event = {k: v for k, v in event.items() if k not in ("api_key", "token")}
    properties = event.get("properties")
    if isinstance(properties, dict):
        properties = {k: v for k, v in properties.items() if k != "token"}
        people = properties.get("$set")
        if isinstance(people, dict) and "token" in people:
            properties["$set"] = {k: v for k, v in people.items() if k != "token"}
        event["properties"] = properties
    return event
