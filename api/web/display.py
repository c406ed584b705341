"""The store TV as a kiosk: /display/<token> (the `display` blueprint, no login), and the store
board's "Display links" section where a manager (or admin) creates and revokes them.

The screen reads no caller: no session, no cookie, no Authorization header; the token in the
path is the whole credential (`rewards.display.display_site`). An unknown, revoked or expired
token is a bare 404 page that says nothing, not even that display links exist. The page links
nowhere (no nav, no way into the app) and shows only what `rewards.display` allows a public
screen: aliases (or names with the points config's `display_names`), ranks, points.

Query: `since` (the instant of the previous refresh, ISO 8601 with offset: what is new since
then is celebrated), `page` (the page shown without JavaScript, from 1), `per_page`
(3 to 50, default 10), `top` (1 to 100: the top N and the rows just below the line instead of
pages). A malformed one is a 400 page naming the parameter and the rule. The page refreshes
itself every REFRESH_S seconds (a meta refresh to the next page, `since` = this render), so it
works without JavaScript; static/display.js rotates the pages every ROTATE_S seconds and shows
the celebrations full-screen one by one.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from adoption.errors import Invalid, Unreadable
from api import auth, clock, database
from api import errors as api_errors
from api.i18n import N_, html_lang
from api.web import bp
from api.web.render import SECURITY_HEADERS, confirm_page, confirmed, page, render_page
from rewards.display import (
    MAX_EXPIRES_DAYS,
    check_view,
    create_display,
    display_board,
    display_site,
    get_display,
    list_displays,
    revoke_display,
)

log = logging.getLogger(__name__)
display_bp = Blueprint("display", __name__)
REFRESH_S = 60
ROTATE_S = 10
CELEBRATE_S = 5
HEADERS = {
    **SECURITY_HEADERS,
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never sent on
    "X-Robots-Tag": "noindex, nofollow",
}
BAD_QUERY = {
    "since": N_("Use an ISO 8601 instant with its offset, e.g. 2026-11-20T12:00:00Z."),
    "page": N_("Use a whole number from 1."),
    "per_page": N_("Use a whole number."),
    "top": N_("Use a whole number."),
}
LINK_STATUS = {"live": N_("live"), "expired": N_("expired"), "revoked": N_("revoked")}


def _bare_page(title: str, heading: str, body: str = "", head: str = "") -> str:
    """A page of the display's own (no layout, links nowhere), in the request's language."""
    return (
        f"<!doctype html><html lang={html_lang()}>{head}<title>{escape(title)}</title>"
        f"<h1>{escape(heading)}</h1>{body}</html>"
    )


def _whole(name: str, low: int = 1) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    if len(value) > 6 or not (value.isascii() and value.isdigit()) or int(value) < low:
        raise Unreadable(_(BAD_QUERY[name]), {name: [_(BAD_QUERY[name])]})
    return int(value)


def _since() -> datetime | None:
    value = request.args.get("since")
    if value is None:
        return None
    try:
        since = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise Unreadable(_(BAD_QUERY["since"]), {"since": [_(BAD_QUERY["since"])]})
    return since.astimezone(UTC)


def _bad_request(exc: Invalid | Unreadable):
    field, messages = next(iter(exc.details.items()))
    text = escape(f"{field}: {messages[0]}")
    return _bare_page(_("Bad request"), _("Bad request"), f"<p>{text}"), 400, HEADERS


@display_bp.errorhandler(Exception)
def failed(exc: Exception):
    """A failure (the database busy, a bug) is a bare page that tries again in REFRESH_S
    seconds, so an unattended screen recovers by itself; unexpected ones are logged."""
    status, _code = api_errors.status_and_code(exc)
    if status >= 500 and not api_errors.is_transient(exc):
        log.exception("store display failed")
    again = escape(request.full_path.rstrip("?"))
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_S}; url={again}">'
    return _bare_page(_("Back soon"), _("Back in a minute"), head=refresh), status, HEADERS


@display_bp.get("/display/<token>")
def show(token: str):
    """The store's screen; the 404 page for a token that opens nothing."""
    session, now = database.session(), clock.utcnow()
    site = display_site(session, token, now=now)
    if site is None:
        return _bare_page(_("Not found"), _("Not found")), 404, HEADERS
    try:
        since, shown_page = _since(), _whole("page") or 1
        per_page, top = check_view(_whole("per_page", 0), _whole("top", 0))
    except (Invalid, Unreadable) as exc:
        return _bad_request(exc)
    board = display_board(session, site, now=now, since=since, per_page=per_page, top=top)
    current = (shown_page - 1) % len(board.pages) if board.pages else 0
    keep = {k: v for k, v in (("per_page", request.args.get("per_page")), ("top", top)) if v}
    following = url_for(
        "display.show",
        token=token,
        since=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        page=(current + 1) % max(len(board.pages), 1) + 1,
        **keep,
    )
    html = render_template(
        "display.html",
        board=board,
        current=current,
        refresh=REFRESH_S,
        rotate=ROTATE_S,
        celebrate=CELEBRATE_S,
        following=following,
    )
    return html, 200, HEADERS


@bp.app_template_global("link_status")
def link_status(status: str) -> str:
    return _(LINK_STATUS[status]) if status in LINK_STATUS else status


@bp.app_template_global("display_links")
def display_links(site) -> list | None:
    """The site's display links for the board page's section: for its manager and admin only
    (None for everyone else, and on the TV board)."""
    principal = auth.session_principal()
    if principal is None or not _manages(principal, site.id):
        return None
    return list_displays(database.session(), site_ids={site.id}, now=clock.utcnow())


def _manages(principal, site_id: int) -> bool:
    return principal.role == "admin" or (
        principal.role == "manager" and site_id in principal.site_ids
    )


def _expires_in_days() -> int | None:
    value = request.form.get("expires_in_days", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_EXPIRES_DAYS:
        raise Unreadable(
            _(
                "Expires in days: a whole number from 1 to %(max)s, or empty.",
                max=MAX_EXPIRES_DAYS,
            )
        )
    return int(value)


@bp.post("/sites/<site_id>/displays")
@page("manager")
def create_display_link(site_id):
    """A new display link for the store; the page shows its URL once (never again)."""
    session = database.session()
    site = auth.visible_site(session, g.principal, site_id)
    name = request.form.get("name", "").strip() or None
    try:
        link, plain = create_display(
            session,
            site,
            name=name,
            expires_in_days=_expires_in_days(),
            now=clock.utcnow(),
            actor=g.principal.name,
        )
    except Invalid as exc:
        field, messages = next(iter(exc.details.items()))
        raise Unreadable(f"{field.replace('_', ' ').capitalize()}: {messages[0]}") from exc
    url = url_for("display.show", token=plain, _external=True)
    return render_page(
        "display_created.html",
        title=_("Display link for %(site)s", site=site.code),
        site=site,
        link=link,
        url=url,
    )


@bp.post("/sites/<site_id>/displays/<int:display_id>/revoke")
@page("manager")
def revoke_display_link(site_id, display_id):
    """Revoke one of the store's display links, after a confirmation."""
    session = database.session()
    site = auth.visible_site(session, g.principal, site_id)
    token = get_display(session, display_id, site_ids={site.id})
    if not confirmed():
        return confirm_page(
            _("Revoke the display link %(name)s?", name=repr(token.name)),
            _("The screen using it shows “Not found” at its next refresh."),
            action=_("Revoke"),
        )
    revoke_display(session, token, now=clock.utcnow(), actor=g.principal.name)
    flash(_("The display link %(name)s is revoked.", name=repr(token.name)), "ok")
    return redirect(url_for("web.site_leaderboard", site_id=site.code))
