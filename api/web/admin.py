"""Admin pages: the quarantine (replay, optionally corrected, or discard) and unmapped actions."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

from flask import flash, g, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from adoption.errors import Conflict, Invalid, NotFound
from adoption.ingest import quarantine
from adoption.masterdata import records
from adoption.models import Site
from adoption.usage.insights import unmapped_actions
from api import database
from api.schemas.masterdata import FeaturePutSchema
from api.web import bp
from api.web.render import confirm_page, confirmed, now, page, render_page

PAGE_SIZE = 50
SHOWN_PAYLOAD_CHARS = 20_000
UNMAPPED_WINDOW_DAYS = 28
FEATURE_FORM_FIELDS = ("points", "daily_cap", "expected_ms", "alias_of")


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
        title="Quarantine",
        items=shown,
        after=after,
        next_after=items[-1].id if len(items) == PAGE_SIZE else None,
        status=status,
    )


def _shown(item) -> dict:
    """The item with its payload as readable text (pretty JSON when it is JSON)."""
    text = item.payload.decode("utf-8", errors="replace")
    with contextlib.suppress(json.JSONDecodeError, RecursionError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return {
        "id": item.id,
        "source": item.source,
        "event_id": item.event_id,
        "kind": item.kind,
        "received_at": item.received_at,
        "reasons": json.dumps(item.reasons, indent=2, ensure_ascii=False, default=str),
        "payload": text[:SHOWN_PAYLOAD_CHARS],
        "truncated": len(text) > SHOWN_PAYLOAD_CHARS,
        "error": "",
        "draft": "",
    }


@bp.post("/admin/quarantine/<int:item_id>/replay")
@page()
def quarantine_replay(item_id):
    session = database.session()
    item = quarantine.get_item(session, item_id)
    text = request.form.get("corrected", "").strip()
    corrected = None
    if text:
        try:
            corrected = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            return _quarantine_page(item_id, f"The correction is not valid JSON: {exc}.", text, 422)
    if not confirmed():
        what = "the corrected event" if corrected is not None else "the stored event"
        return confirm_page(
            f"Replay quarantine item {item.id}?",
            f"{what.capitalize()} is ingested under source {item.source!r}.",
            action="Replay",
            danger=False,
        )
    try:
        outcome = quarantine.replay(
            session, item_id, now=now(), actor=g.principal.name, corrected=corrected
        )
    except Invalid as exc:
        session.rollback()
        return _quarantine_page(item_id, f"Not replayed. {_reasons(exc)}", text, 422)
    except Conflict as exc:
        session.rollback()
        flash(f"Item {item_id} was not replayed: {exc.message}", "error")
        return redirect(url_for("web.quarantine_list"))
    session.commit()
    flash(
        f"Item {item_id} replayed: {outcome.accepted} accepted, "
        f"{outcome.duplicates} already stored.",
        "ok",
    )
    return redirect(url_for("web.quarantine_list"))


@bp.post("/admin/quarantine/<int:item_id>/discard")
@page()
def quarantine_discard(item_id):
    session = database.session()
    item = quarantine.get_item(session, item_id)
    if not confirmed():
        return confirm_page(
            f"Discard quarantine item {item.id}?",
            "It is kept, marked discarded, and never ingested.",
            action="Discard",
        )
    try:
        quarantine.discard(session, item_id, now=now(), actor=g.principal.name)
    except Conflict as exc:
        session.rollback()
        flash(f"Item {item_id} was not discarded: {exc.message}", "error")
        return redirect(url_for("web.quarantine_list"))
    session.commit()
    flash(f"Item {item_id} discarded.", "ok")
    return redirect(url_for("web.quarantine_list"))


def _reasons(exc: Invalid) -> str:
    details = "; ".join(
        f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
        for field, msgs in (exc.details or {}).items()
    )
    return f"{exc.message} {details}".strip()


@bp.get("/admin/features")
@page()
def features():
    return _features_page()


def _features_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    session = database.session()
    today = now().date()
    site_ids = set(session.scalars(select(Site.id)))
    waiting = unmapped_actions(
        session, site_ids, today - timedelta(days=UNMAPPED_WINDOW_DAYS), today
    )
    mapped = records.list_features(session, limit=1000, unmapped=False)
    return render_page(
        "features.html",
        title="Unmapped actions",
        waiting=waiting,
        mapped=[f.action for f in mapped],
        window_days=UNMAPPED_WINDOW_DAYS,
        errors=errors or {},
        values=values or {},
        status=status,
    )


@bp.post("/admin/features")
@page()
def map_feature():
    """Maps one action: the fields of the API's feature PUT, checked by the same schema."""
    session = database.session()
    action = request.form.get("action", "")
    form = {k: request.form.get(k, "").strip() for k in FEATURE_FORM_FIELDS}
    values = {k: v if v != "" else None for k, v in form.items()}
    values["is_core"] = form["is_core"] = request.form.get("is_core") == "on"
    if values["points"] is None:
        values["points"] = 0
    try:
        loaded = FeaturePutSchema().load(values)
        if loaded.get("alias_of"):
            records.get_feature(session, loaded["alias_of"])  # a typo must not map silently
        feature, _ = records.put_feature(session, action, loaded, now=now())
    except ValidationError as exc:
        return _features_page({action: exc.messages}, {action: form}, 422)
    except (Invalid, NotFound) as exc:
        session.rollback()
        messages = exc.details if isinstance(exc, Invalid) else {"alias_of": [exc.message]}
        return _features_page({action: messages}, {action: form}, 422)
    session.commit()
    flash(f"{feature.action} is mapped.", "ok")
    return redirect(url_for("web.features"))
