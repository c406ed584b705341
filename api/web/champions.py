"""HR's champion pages: the months (/champions), one month's champions per site with the reasons
(/champions/<YYYY-MM>), closing and reopening it, and its CSV/XLSX export for payroll.

Champions are pay data, so every route is hr and admin only (reopening: admin only), as in
`api.http.champions`. What a month holds, when it may close and what an export contains are
`rewards.champions.review` (one month as HR reviews it, `can_close` from
`rewards.champions.periods.month_status`), `rewards.champions.months` and `rewards.exports`; these
views only call them. How the month page words them for HR (names beside codes, "Ready to
close" / "Not ready: …", reasons in plain language) is `api.web.champion_text`.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import Response, current_app, flash, g, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from adoption.calendar import Month
from adoption.errors import Conflict, Invalid, MonthNotOver, NotFound
from adoption.locales import DEFAULT_LOCALE, LOCALES, say
from api import database
from api.i18n import N_
from api.web import bp
from api.web.champion_text import (
    employees_of,
    labelled,
    mentioned,
    plain_reason,
    plain_rules,
    readiness,
)
from api.web.render import SECURITY_HEADERS, confirm_page, confirmed, now, page, render_page
from rewards import exports
from rewards.champions import months, periods, review

MAX_NOTE = 2000  # as the API's ReopenSchema
NOT_A_MONTH = N_("There is no such month: months are written YYYY-MM, e.g. 2026-11.")
CLOSING = N_(
    "Closing freezes every site's champion as it stands now: later events and rule changes no "
    "longer alter it, and payroll can be paid from the export. Only an admin can reopen it, as "
    "a new version."
)
ALREADY_CLOSED = N_("%(month)s was already closed (version %(version)s); nothing changed.")
CLOSED = N_("%(month)s is closed: version %(version)s is frozen.")


def _roles() -> tuple[str, ...]:
    return current_app.extensions["uptake"].settings.ineligible_roles


def _month(text: str) -> Month:
    """The month of the address; a malformed month is a page that does not exist (404)."""
    try:
        return Month.parse(text)
    except Invalid:
        raise NotFound(_(NOT_A_MONTH)) from None


def _export_lang() -> str | None:
    """`?lang=zh`: the download for people in that language (the page's links add the reader's
    when it is not English); none, `en` or another: the contract's file, as the API's."""
    lang = request.args.get("lang")
    return lang if lang in LOCALES and lang != DEFAULT_LOCALE else None


def _wording(lang: str | None) -> exports.Wording | None:
    """Words for a file in `lang` (said while `force_locale(lang)` holds): headings, status,
    banner, and each rank reason as the page words it, the runner-up by code."""
    if lang is None:
        return None
    return exports.Wording(_, lambda text: plain_reason(text, str), locale=lang)


def _version() -> int | None:
    text = request.args.get("version")
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        raise NotFound(_("There is no such version: versions are numbered from 1."))
    return int(text)


@bp.get("/champions")
@page("hr")
def champions_list():
    """Every month from the first with events to the current one, newest first."""
    choices = periods.list_months(database.session(), now=now())
    return render_page("champions.html", title=_("Champions"), months=choices)


@bp.get("/champions/<month>")
@page("hr")
def champions_month(month):
    return _month_page(_month(month), _version())


def _month_page(month: Month, version: int | None, *, error: str = "", status: int = 200):
    """The month as HR reads it (`api.web.champion_text`): codes with names, the readiness line
    from `month_status`, reasons and rules in plain language; DRAFT while not closed."""
    session = database.session()
    data = review.month_review(session, month, version, now=now(), ineligible_roles=_roles())
    sites = review.site_labels(session)
    people = data.champions + data.first_proficient
    runners_up = mentioned(c["rank_reason"] for c in data.champions)
    names_of = employees_of(people, review.employee_names(session, runners_up))
    return render_page(
        "champions_month.html",
        title=_("Champions %(month)s", month=month),
        data=data,
        ready=readiness(data, sites),
        rules=plain_rules(data.rules_version),
        champions=[_row(c, sites, names_of) for c in data.champions],
        first_proficient=[_row(f, sites, names_of) for f in data.first_proficient],
        can_reopen=data.can_reopen and g.principal.role == "admin",
        error=error,
        status=status,
        max_note=MAX_NOTE,
    )


def _row(entry: dict, sites: dict[str, tuple[str, str]], names_of) -> dict:
    """An entry with `site` and `person` labelled ('S001 · Downtown', 'E00017 · Thomas Taylor';
    `person` empty for nobody) and its `reason` in plain language."""
    code = entry["site_id"]
    return {
        **entry,
        "site": labelled(code, sites[code][0] if code in sites else None),
        "person": names_of(entry["user_id"]) if entry.get("user_id") else "",
        "reason": plain_reason(entry.get("rank_reason"), names_of),
    }


@bp.post("/champions/<month>/close")
@page("hr")
def champions_close(month):
    """Freezes the month's newest draft (a closed month stays as it is); asks first."""
    month = _month(month)
    session = database.session()
    if not confirmed():
        return confirm_page(
            _("Close %(month)s?", month=month), _(CLOSING), action=_("Close %(month)s", month=month)
        )
    try:
        closed = review.close_for_review(
            session, month, now=now(), actor=g.principal.name, ineligible_roles=_roles()
        )
    except MonthNotOver:
        error = _(
            "%(month)s was not closed: its last day has not ended at every store yet.", month=month
        )
        return _month_page(month, None, error=error, status=409)
    if closed.was_closed:
        flash(_(ALREADY_CLOSED, month=month, version=closed.version), "info")
    else:
        flash(_(CLOSED, month=month, version=closed.version), "ok")
    return redirect(url_for("web.champions_month", month=str(month)))


@bp.post("/champions/<month>/reopen")
@page()
def champions_reopen(month):
    """Admin only: a new draft version of a closed month, with a note for the audit log."""
    month = str(_month(month))
    note = " ".join(request.form.get("note", "").split())[:MAX_NOTE] or None
    if not confirmed():
        return confirm_page(
            _("Reopen %(month)s?", month=month),
            _(
                "The closed version stays as it was paid; a new draft version is computed live "
                "from today's data and has to be closed again."
            ),
            action=_("Reopen %(month)s", month=month),
        )
    session = database.session()
    try:
        with database.attempt():
            reopened = months.reopen_month(
                session,
                month,
                now=now(),
                actor=g.principal.name,
                note=note,
                ineligible_roles=_roles(),
            )
    except Conflict as exc:
        flash(say(exc.message, _), "error")
        return redirect(url_for("web.champions_month", month=month))
    flash(
        _(
            "%(month)s is reopened as draft version %(version)s.",
            month=month,
            version=reopened["version"],
        ),
        "ok",
    )
    return redirect(url_for("web.champions_month", month=month))


@bp.get("/champions/<month>/export.<fmt>")
@page("hr")
def champions_export(month, fmt):
    """The month (`?version=`, else the newest) as CSV or XLSX; every download is audited."""
    month = str(_month(month))
    if fmt not in exports.MIMETYPES:
        raise NotFound(_("Exports are .csv or .xlsx."))
    session, lang = database.session(), _export_lang()
    with force_locale(lang) if lang else nullcontext():
        file = exports.export_month(
            session,
            month,
            fmt,
            now=now(),
            actor=g.principal.name,
            version=_version(),
            ineligible_roles=_roles(),
            wording=_wording(lang),
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
        "Cache-Control": SECURITY_HEADERS["Cache-Control"],
    }
    return Response(file.content, mimetype=file.mimetype, headers=headers)
