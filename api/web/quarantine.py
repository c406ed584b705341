"""The admin's quarantine: a filtered compact list with totals by reason and by source, bulk
replay and discard of the filtered set (the confirm step is the dry run), and each item's own page
(replay as stored when it would pass now, corrected, or discard)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from functools import partial

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from adoption import limits
from adoption.errors import Conflict, Invalid, Unreadable
from adoption.identity import credentials
from adoption.ingest import quarantine, triage
from adoption.ingest.json_input import read_json
from api import database
from api.i18n import N_
from api.web import bp
from api.web.render import confirm_page, confirmed, now, page, render_page

PAGE_SIZE = 50
FILTER_FIELDS = ("reason", "source", "site", "received_from", "received_to")
SHOWN_PAYLOAD_CHARS = 20_000
NONE_WOULD_PASS = N_(
    "None of the %(matched)s open items the filter selects would pass as stored now: correct "
    "them one by one, or discard them."
)
WOULD_PASS = N_(
    "Of the %(matched)s open items the filter selects, %(passed)s would pass as stored now: "
    "each is ingested under its own source."
)
LEFT_OUT = N_("%(value)s does not read as a filter: left out.")
STILL_FAILING = N_("%(failing)s would still fail and stay open: %(reasons)s.")
ONLY_FIRST = N_("Only the first %(most)s are taken: do it again for the rest.")
BULK_REPLAYED = N_(
    "%(passed)s items replayed: %(accepted)s events accepted, %(duplicates)s already stored; "
    "%(failing)s items still fail and stay open."
)
REPLAYED = N_("Item %(id)s replayed: %(accepted)s accepted, %(duplicates)s already stored.")


@bp.get("/admin/quarantine")
@page()
def quarantine_list():
    """A compact list of the filtered items with totals by reason and by source; each item's
    payload is on its own page."""
    session = database.session()
    filt, form = _filter_from(request.args)
    after = request.args.get("after", "")
    items = triage.list_items(session, filt, limit=PAGE_SIZE, after_id=_after(after))
    # An event is checked as it is listed; a body (up to 10 MB) on its own page.
    open_items = [item for item in items if item.status == "open" and item.kind == "event"]
    return render_page(
        "quarantine.html",
        title=_("Quarantine"),
        items=items,
        failing=triage.still_failing(session, open_items, now(), _sender_of(session)),
        summary=triage.summary(session, filt),
        form=form,
        query={k: v for k, v in form.items() if v},
        after=after,
        next_after=items[-1].id if len(items) == PAGE_SIZE else None,
    )


def _sender_of(session):
    return partial(credentials.sender_format, session)


def _filter_from(values) -> tuple[triage.Filter, dict]:
    """The page's filter from its form (query or posted fields), and the form's values to show
    again. A criterion that does not read (a date like 2026-13-01) is left out, and said."""
    form = {name: values.get(name, "").strip() for name in FILTER_FIELDS}
    form["status"] = values.get("status", "open")
    criteria: dict = {k: form[k] or None for k in ("reason", "source", "site")}
    for name in ("received_from", "received_to"):
        criteria[name] = _day(form[name])
    status = form["status"] if form["status"] in quarantine.STATUSES else None
    try:
        return triage.Filter(status=status, **criteria), form
    except Invalid as exc:  # a NUL, a day out of range, days out of order: left out
        for name in exc.details or {}:
            flash(_(LEFT_OUT, value=form.get(name, name)), "error")
            form[name] = ""
            criteria[name] = None
        return triage.Filter(status=status, **criteria), form


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return date.min  # out of range, so the filter refuses it and the page says so


def _after(text: str) -> int | None:
    """A page's `after` id: ASCII digits of a 64-bit id, else none (the first page)."""
    if text.isascii() and text.isdigit() and int(text) <= limits.INT64_MAX:
        return int(text)
    return None


STATUS_LABELS = {
    "open": N_("open"),
    "replayed": N_("replayed"),
    "discarded": N_("discarded"),
    "all": N_("all"),
}


@bp.app_template_global("quarantine_status")
def quarantine_status(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@bp.app_template_global("quarantine_url")
def quarantine_url(query: dict, **changes) -> str:
    """The list with the page's filter, some criteria changed."""
    return url_for("web.quarantine_list", **(query | changes))


@bp.get("/admin/quarantine/<int:item_id>")
@page()
def quarantine_item(item_id):
    return _item_page(item_id)


def _item_page(item_id: int, error: str = "", draft: str = "", status=200):
    """One item whole: its reasons, its payload, whether it would pass as stored now; a failed
    replay shows its reasons and keeps the admin's draft."""
    session = database.session()
    item = quarantine.get_item(session, item_id)
    failing = {}
    if item.status == "open":
        failing = triage.still_failing(session, [item], now(), _sender_of(session))
    return render_page(
        "quarantine_item.html",
        title=_("Quarantine item %(id)s", id=item.id),
        item=_shown(item) | {"error": error, "draft": draft},
        failing_now=_utf8(json.dumps(failing.get(item.id), indent=2, ensure_ascii=False))
        if item.id in failing
        else None,
        status=status,
    )


def _shown(item) -> dict:
    """The item with its payload as readable text (pretty JSON when it is JSON)."""
    text = _payload_text(item.payload)
    return {
        "id": item.id,
        "status": item.status,
        "resolved_at": item.resolved_at,
        "resolved_by": item.resolved_by,
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
            return _item_page(item_id, message, text, 422)
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
        return _item_page(item_id, _("Not replayed. %(reasons)s", reasons=_reasons(exc)), text, 422)
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


@bp.post("/admin/quarantine/replay")
@page()
def quarantine_bulk_replay():
    """Replay as stored every open item the filter selects that would pass now: the confirm
    step is the dry run and says how many would pass and why the others would not."""
    session = database.session()
    return _bulk(partial(triage.bulk_replay, sender_of=_sender_of(session)), _confirm_replay_all)


@bp.post("/admin/quarantine/discard")
@page()
def quarantine_bulk_discard():
    """Discard every open item the filter selects, after a confirm step that counts them."""
    return _bulk(triage.bulk_discard, _confirm_discard_all)


def _bulk(run, confirm):
    filt, form = _filter_from(request.form)
    filt = replace(filt, status="open", up_to_id=_after(request.form.get("up_to_id", "")))
    back = url_for("web.quarantine_list", **{k: v for k, v in form.items() if v})
    session, actor = database.session(), g.principal.name
    if not confirmed():
        return confirm(run(session, filt, dry_run=True, now=now(), actor=actor), back)
    with database.attempt():
        outcome = run(session, filt, dry_run=False, now=now(), actor=actor)
    flash(_bulk_done(outcome, replayed=run is not triage.bulk_discard), "ok")
    return redirect(back)


def _confirm_replay_all(outcome: triage.BulkOutcome, back: str):
    if not outcome.passed:
        flash(_(NONE_WOULD_PASS, matched=outcome.matched), "info")
        return redirect(back)
    detail = _(WOULD_PASS, matched=outcome.matched, passed=outcome.passed)
    if outcome.failing:
        reasons = "; ".join(f"{reason} ({n})" for reason, n in outcome.failing_by_reason[:5])
        detail += " " + _(STILL_FAILING, failing=outcome.failing, reasons=reasons)
    question = ngettext(
        "Replay %(num)s item as stored?", "Replay %(num)s items as stored?", outcome.passed
    )
    return confirm_page(
        question,
        _more(detail, outcome),
        action=_("Replay"),
        danger=False,
        extra={"up_to_id": outcome.last_id},
    )


def _confirm_discard_all(outcome: triage.BulkOutcome, back: str):
    if not outcome.matched:
        flash(_("No open item matches the filter."), "info")
        return redirect(back)
    question = ngettext("Discard %(num)s item?", "Discard %(num)s items?", outcome.matched)
    detail = _("They are kept, marked discarded, and never ingested.")
    extra = {"up_to_id": outcome.last_id}
    return confirm_page(question, _more(detail, outcome), action=_("Discard"), extra=extra)


def _more(detail: str, outcome: triage.BulkOutcome) -> str:
    if not outcome.more:
        return detail
    return detail + " " + _(ONLY_FIRST, most=f"{triage.MAX_BULK:,}")


def _bulk_done(outcome: triage.BulkOutcome, *, replayed: bool) -> str:
    if not replayed:
        return ngettext("%(num)s item discarded.", "%(num)s items discarded.", outcome.passed)
    return _(
        BULK_REPLAYED,
        passed=outcome.passed,
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        failing=outcome.failing,
    )
