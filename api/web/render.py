"""Page helpers shared by every web view: role gates, the layout, confirm steps.

Who is signed in, CSRF and the role rule are `api.auth` (shared with the JSON API).

See the `api.web` docstring for how a page uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from adoption.errors import Forbidden
from adoption.identity.credentials import Principal
from adoption.locales import say
from adoption.masterdata.records import site_codes
from api import auth, clock, database, i18n
from api.i18n import N_
from api.web import bp
from rewards.badges import BY_NAME as BADGES

ANY_ROLE = ("hr", "rollout_lead", "manager", "employee")
ROLE_LABELS = {
    "admin": N_("Admin"),
    "hr": N_("HR"),
    "rollout_lead": N_("Rollout lead"),
    "manager": N_("Store manager"),
    "employee": N_("Employee"),
}
CONFIRM_FIELD = "confirm"
NOT_YOUR_PAGE = N_("Your login does not give access to this page.")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages hold personal figures; Back after logout shows nothing
}


def now() -> datetime:
    """The wall clock for pages (tests patch `api.clock.utcnow`)."""
    return clock.utcnow()


def page(*roles: str) -> Callable:
    """Signed-in users of these roles (admin always); anonymous → login, other roles → 403 page."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = auth.session_principal()
            if principal is None:
                return redirect(url_for("web.login", next=_here()))
            if not auth.has_role(principal, roles):
                raise Forbidden(_(NOT_YOUR_PAGE))
            return view(*args, **kwargs)

        wrapper._page_roles = tuple(sorted({"admin", *roles}))
        return wrapper

    return decorate


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def render_page(template: str, *, title: str, status: int = 200, **context):
    """A template extending base.html, with the signed-in user and nav, and the security headers."""
    principal = auth.session_principal()
    html = render_template(
        template,
        title=title,
        principal=principal,
        nav=nav_items(principal),
        **context,
    )
    return html, status, SECURITY_HEADERS


def error_page(status: int, title: str, message: str):
    return render_page("error.html", title=title, status=status, code=status, message=message)


def confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "yes"


def confirm_page(
    question: str, detail: str = "", *, action: str = "", danger=True, extra: dict | None = None
):
    """Asks before a POST takes effect: re-posts this request's form fields with confirm=yes
    (and `extra`'s, in their place). The caller passes the texts translated; `action` defaults
    to "Confirm"."""
    skip = {"csrf_token", CONFIRM_FIELD, *(extra or {})}
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in skip]
    fields += [(k, str(v)) for k, v in (extra or {}).items()]
    return render_page(
        "confirm.html",
        title=question,
        question=question,
        detail=detail,
        action=action or _("Confirm"),
        danger=danger,
        target=request.path,
        fields=fields,
        back=request.referrer if _local(request.referrer) else url_for("web.home"),
    )


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


STORE_RANKERS = frozenset({"hr", "rollout_lead", "manager", "admin"})  # /stores/leaderboard


def nav_items(principal: Principal | None) -> list[tuple[str, str]]:
    """(label, path) of the pages the role can use, and only those (tests/web/test_nav.py opens
    every link as that role); HR's and the rollout lead's pages are fixed paths."""
    if principal is None:
        return []
    db = database.session()
    items: list[tuple[str, str]] = []
    if principal.role == "manager":
        sites = site_codes(db, principal.site_ids)
        items += [(_("Board %(site)s", site=code), f"/sites/{code}/leaderboard") for code in sites]
    elif principal.role == "employee" and principal.home_site_id is not None:
        (code,) = site_codes(db, [principal.home_site_id])
        items += [(_("My progress"), "/me"), (_("Store board"), f"/sites/{code}/leaderboard")]
    elif principal.role in {"hr", "rollout_lead", "admin"}:
        first = next(iter(site_codes(db, limit=1)), None)
        if principal.role == "admin":
            items += [(_("Quarantine"), "/admin/quarantine"), (_("Features"), "/admin/features")]
        if principal.role in {"hr", "admin"}:
            items.append((_("Champions"), "/champions"))
        if principal.role in {"rollout_lead", "admin"}:
            items.append((_("Pilots"), "/pilots"))
        if first is not None:
            items.append((_("Boards"), f"/sites/{first}/leaderboard"))
    if principal.role in STORE_RANKERS:
        items.append((_("Store vs store"), "/stores/leaderboard"))
    if principal.role == "manager" and principal.employee_id is not None:
        items.append((_("My progress"), "/me"))
    return items


# The filters below write figures and dates for the request's locale (`api.i18n`).
@bp.app_template_filter("pct")
def pct(value: float | None, places: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return i18n.percent(value, places)


@bp.app_template_filter("num")
def num(value: float | None, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return i18n.decimal(value, places)


@bp.app_template_filter("signed")
def signed(value: float | None, places: int = 2) -> str:
    if value is None:
        return "—"
    sign = "+" if value >= 0 else "−"
    return sign + i18n.decimal(abs(value), places, grouping=False)


@bp.app_template_filter("day")
def day(value: date | None) -> str:
    return i18n.day(value)


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    return i18n.when(value)


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


PERIOD_LABELS = {  # `rewards.team.PeriodChoice.key` → its label
    "week": N_("This week"),
    "last-week": N_("Last week"),
    "month": N_("This month"),
    "last-month": N_("Last month"),
    "all": N_("All time"),
}
LEVEL_LABELS = {  # `adoption.scoring.rules.LEVELS`, and the state before any score
    "Novice": N_("Novice"),
    "Developing": N_("Developing"),
    "Proficient": N_("Proficient"),
    "Expert": N_("Expert"),
    "Not started": N_("Not started"),
}
ANONYMOUS = "Anonymous"  # the name `rewards` gives a row shown without one


@bp.app_template_global("period_label")
def period_label(choice) -> str:
    return _(PERIOD_LABELS[choice.key]) if choice.key in PERIOD_LABELS else choice.label


@bp.app_template_global("level_label")
def level_label(level: str | None) -> str:
    if level is None:
        return "—"
    return _(LEVEL_LABELS[level]) if level in LEVEL_LABELS else level


@bp.app_template_filter("shown_name")
def shown_name(name: str) -> str:
    """A board's name as shown: "Anonymous" in the reader's language, a person's as it is."""
    return _("Anonymous") if name == ANONYMOUS else name


RULE_LABELS = {  # a points row's rule that is not a feature's (`rewards.awards`, `rewards.kudos`)
    "award": N_("award"),  # in English the rule as it always read; points given by hand
    "kudos": N_("kudos"),
}


@bp.app_template_global("rule_label")
def rule_label(rule: str) -> str:
    """A points row's rule for people: a badge's title, an award or kudos, else the rule."""
    badge = BADGES.get(rule.removeprefix("badge:")) if rule.startswith("badge:") else None
    if badge is not None:
        return _("Badge “%(badge)s”", badge=say(badge.title, _))
    return _(RULE_LABELS[rule]) if rule in RULE_LABELS else rule


STATUS_LABELS = {"draft": N_("draft"), "closed": N_("closed")}  # a champion month's status


@bp.app_template_global("status_label")
def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status
