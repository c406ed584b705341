"""The admin's quarantine page: replay (as stored or corrected) and discard."""

from __future__ import annotations

import json
from functools import partial

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from adoption.errors import Conflict, Invalid, Unreadable
from adoption.identity import credentials
from adoption.ingest import quarantine
from adoption.ingest.json_input import read_json
from api import database
from api.i18n import N_
from api.web import bp
from api.web.render import confirm_page, confirmed, now, page, render_page

PAGE_SIZE = 50
SHOWN_PAYLOAD_CHARS = 20_000
REPLAYED = N_("Item %(id)s replayed: %(accepted)s accepted, %(duplicates)s already stored.")


@bp.get("/admin/quarantine")
@page()
def quarantine_list():
    return _quarantine_page()


def _quarantine_page(item_id: int | None = None, error: str = "", draft: str = "", status=200):
    """Open items, oldest first; a failed replay shows its reasons and keeps the admin's draft."""
    after = request.args.get("after", "")
    items = quarantine.list_items(
        database.session(),
        status="open",
        limit=PAGE_SIZE,
        after_id=int(after) if after.isdigit() else None,
    )
    shown = [_shown(item) for item in items]
    for item in shown:
        if item["id"] == item_id:
            item.update(error=error, draft=draft)
    return render_page(
        "quarantine.html",
        title=_("Quarantine"),
        items=shown,
        after=after,
        next_after=items[-1].id if len(items) == PAGE_SIZE else None,
        status=status,
    )


def _shown(item) -> dict:
    """The item with its payload as readable text (pretty JSON when it is JSON)."""
    text = _payload_text(item.payload)
    return {
        "id": item.id,
        "source": item.source,
        "event_id": item.event_id,
        "kind": item.kind,
        "received_at": item.received_at,
        "reasons": _utf8(json.dumps(item.reasons, indent=2, ensure_ascii=False, default=str)),
        "payload": text[:SHOWN_PAYLOAD_CHARS],
        "truncated": len(text) > SHOWN_PAYLOAD_CHARS,
        "error": "",
        "draft": "",
    }


def _payload_text(payload: bytes) -> str:
    """Indented JSON when the payload reads as JSON and indents (not an integer of 5,000 digits,
    not nested too deeply), else the text as stored, bytes that are not UTF-8 shown as U+FFFD.
    A payload longer than the page shows is not read at all (a body may hold 10 MB)."""
    if len(payload) > SHOWN_PAYLOAD_CHARS:
        return payload[: 4 * SHOWN_PAYLOAD_CHARS].decode("utf-8", errors="replace")
    try:
        return _utf8(json.dumps(read_json(payload), indent=2, ensure_ascii=False))
    except (Unreadable, TypeError, RecursionError):  # TypeError: an OversizedNumber
        return payload.decode("utf-8", errors="replace")


def _utf8(text: str) -> str:
    """`text` with each lone surrogate ("\\udfff", which no page can encode) written as its JSON
    escape: in JSON text such a character only ever sits inside a string."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


@bp.post("/admin/quarantine/<int:item_id>/replay")
@page()
def quarantine_replay(item_id):
    session = database.session()
    item = quarantine.get_item(session, item_id)
    text = request.form.get("corrected", "").strip()
    corrected = None
    if text:
        try:
            corrected = read_json(text)
        except Unreadable as exc:
            message = _("The correction is not valid JSON. %(reason)s", reason=exc.message)
            return _quarantine_page(item_id, message, text, 422)
    if not confirmed():
        return _confirm_replay(item, corrected is not None)
    try:
        with database.attempt():
            outcome = quarantine.replay(
                session,
                item_id,
                now=now(),
                actor=g.principal.name,
                corrected=corrected,
                sender_of=partial(credentials.sender_format, session),
            )
    except Invalid as exc:
        return _quarantine_page(
            item_id, _("Not replayed. %(reasons)s", reasons=_reasons(exc)), text, 422
        )
    except Conflict as exc:
        flash(
            _("Item %(id)s was not replayed: %(reason)s", id=item_id, reason=exc.message), "error"
        )
        return redirect(url_for("web.quarantine_list"))
    flash(_(REPLAYED, id=item_id, accepted=outcome.accepted, duplicates=outcome.duplicates), "ok")
    return redirect(url_for("web.quarantine_list"))


def _confirm_replay(item, corrected: bool):
    source = repr(item.source)
    detail = (
        _("The corrected event is ingested under source %(source)s.", source=source)
        if corrected
        else _("The stored event is ingested under source %(source)s.", source=source)
    )
    return confirm_page(
        _("Replay quarantine item %(id)s?", id=item.id), detail, action=_("Replay"), danger=False
    )


@bp.post("/admin/quarantine/<int:item_id>/discard")
@page()
def quarantine_discard(item_id):
    session = database.session()
    item = quarantine.get_item(session, item_id)
    if not confirmed():
        return confirm_page(
            _("Discard quarantine item %(id)s?", id=item.id),
            _("It is kept, marked discarded, and never ingested."),
            action=_("Discard"),
        )
    try:
        with database.attempt():
            quarantine.discard(session, item_id, now=now(), actor=g.principal.name)
    except Conflict as exc:
        flash(
            _("Item %(id)s was not discarded: %(reason)s", id=item_id, reason=exc.message), "error"
        )
        return redirect(url_for("web.quarantine_list"))
    flash(_("Item %(id)s discarded.", id=item_id), "ok")
    return redirect(url_for("web.quarantine_list"))


def _reasons(exc: Invalid) -> str:
    details = "; ".join(
        f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
        for field, msgs in (exc.details or {}).items()
    )
    return f"{exc.message} {details}".strip()
