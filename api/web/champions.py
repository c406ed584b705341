"""HR's champion pages: the months (/champions), one month's champions per site with the reasons
(/champions/<YYYY-MM>), closing and reopening it, and its CSV/XLSX export for payroll.

Champions are pay data, so every route is hr and admin only (reopening: admin only), as in
`api.http.champions`. What a month holds, when it may close and what an export contains are
`rewards.champions.months`, `rewards.champions.periods` and `rewards.exports`; these views only
call them.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, g, redirect, request, url_for

from adoption.errors import Conflict, Invalid
from api import database
from api.web import bp
from api.web.render import SECURITY_HEADERS, confirm_page, confirmed, now, page, render_page
from rewards import exports
from rewards.champions import months, periods

MAX_NOTE = 2000  # as the API's ReopenSchema
NOT_A_MONTH = "There is no such month: months are written YYYY-MM, e.g. 2026-11."


def _roles() -> tuple[str, ...]:
    return current_app.extensions["uptake"].settings.ineligible_roles


def _last_day(month: str):
    """The month's last day; a malformed month is a page that does not exist (404)."""
    try:
        return months.parse_month(month)[1]
    except Invalid:
        abort(404, NOT_A_MONTH)


def _version() -> int | None:
    text = request.args.get("version")
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        abort(404, "There is no such version: versions are numbered from 1.")
    return int(text)


@bp.get("/champions")
@page("hr")
def champions_list():
    """Every month from the first with events to the current one, newest first."""
    choices = periods.list_months(database.session(), now=now())
    return render_page("champions.html", title="Champions", months=choices)


@bp.get("/champions/<month>")
@page("hr")
def champions_month(month):
    return _month_page(month, _version())


def _month_page(month: str, version: int | None, *, error: str = "", status: int = 200):
    last = _last_day(month)
    session = database.session()
    clock = now()
    data = months.get_month(session, month, version, now=clock, ineligible_roles=_roles())
    versions = periods.month_versions(session, month)
    newest = versions[-1]["version"] if versions else 1
    running = periods.running_sites(session, last, clock)
    latest = data["version"] == newest
    return render_page(
        "champions_month.html",
        title=f"Champions {month}",
        data=data,
        versions=versions,
        newest=newest,
        latest=latest,
        running=running,
        can_close=latest and data["status"] == "draft" and not running,
        can_reopen=latest and data["status"] == "closed" and g.principal.role == "admin",
        error=error,
        status=status,
        max_note=MAX_NOTE,
    )


@bp.post("/champions/<month>/close")
@page("hr")
def champions_close(month):
    """Freezes the month's newest draft (a closed month stays as it is); asks first."""
    _last_day(month)
    session = database.session()
    if not confirmed():
        return confirm_page(
            f"Close {month}?",
            "Closing freezes every site's champion as it stands now: later events and rule "
            "changes no longer alter it, and payroll can be paid from the export. Only an admin "
            "can reopen it, as a new version.",
            action=f"Close {month}",
        )
    was = periods.month_versions(session, month)
    try:
        closed = months.close_month(
            session, month, now=now(), actor=g.principal.name, ineligible_roles=_roles()
        )
    except Conflict as exc:
        session.rollback()
        if exc.details.get("reason") == "month_not_over":
            return _month_page(month, None, error=exc.message, status=409)
        raise
    session.commit()
    if was and was[-1]["status"] == "closed":
        flash(f"{month} was already closed (version {closed['version']}); nothing changed.", "info")
    else:
        flash(f"{month} is closed: version {closed['version']} is frozen.", "ok")
    return redirect(url_for("web.champions_month", month=month))


@bp.post("/champions/<month>/reopen")
@page()
def champions_reopen(month):
    """Admin only: a new draft version of a closed month, with a note for the audit log."""
    _last_day(month)
    note = " ".join(request.form.get("note", "").split())[:MAX_NOTE] or None
    if not confirmed():
        return confirm_page(
            f"Reopen {month}?",
            "The closed version stays as it was paid; a new draft version is computed live "
            "from today's data and has to be closed again.",
            action=f"Reopen {month}",
        )
    session = database.session()
    try:
        reopened = months.reopen_month(
            session, month, now=now(), actor=g.principal.name, note=note, ineligible_roles=_roles()
        )
    except Conflict as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("web.champions_month", month=month))
    session.commit()
    flash(f"{month} is reopened as draft version {reopened['version']}.", "ok")
    return redirect(url_for("web.champions_month", month=month))


@bp.get("/champions/<month>/export.<fmt>")
@page("hr")
def champions_export(month, fmt):
    """The month (`?version=`, else the newest) as CSV or XLSX; every download is audited."""
    _last_day(month)
    if fmt not in exports.MIMETYPES:
        abort(404, "Exports are .csv or .xlsx.")
    session = database.session()
    file = exports.export_month(
        session,
        month,
        fmt,
        now=now(),
        actor=g.principal.name,
        version=_version(),
        ineligible_roles=_roles(),
    )
    session.commit()
    headers = {
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "X-Content-Type-Options": SECURITY_HEADERS["X-Content-Type-Options"],
        "Cache-Control": SECURITY_HEADERS["Cache-Control"],
    }
    return Response(file.content, mimetype=file.mimetype, headers=headers)
