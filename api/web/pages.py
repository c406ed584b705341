"""The role home (/), the team leaderboard (/sites/<site_id>/leaderboard), store vs store
(/stores/leaderboard: sites only, `rewards.store_board`), /me (with the window around me,
`rewards.around`) and the person's own choice to opt out of the boards (POST /me/opt-out), and
how points work (/points/rules, from the live catalog and points config).

Who sees whom on them is `adoption.privacy` (docs/privacy.md); a TV screen is `PUBLIC`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from adoption.calendar import local_today, yesterday
from adoption.errors import Forbidden, Invalid, NotFound, Unreadable
from adoption.masterdata.records import list_sites
from adoption.models import Employee, Site
from adoption.notify.subscriptions import describe, list_subscriptions, remove, subscribe_own
from adoption.privacy import PUBLIC, public_opt_out, set_public_opt_out
from adoption.usage.hard_features import hard_features
from api import database, i18n
from api.auth import viewer as auth_viewer
from api.auth import visible_site
from api.i18n import N_
from api.web import bp
from api.web.render import ANY_ROLE, now, page, period_label, render_page
from rewards.around import around
from rewards.kudos import list_kudos
from rewards.points_config import load_points_rules
from rewards.points_trace import points_rules, recent_days
from rewards.progress import progress_of
from rewards.store_board import store_page
from rewards.team import team_page

HOMES = {
    "employee": "/me",
    "hr": "/champions",
    "rollout_lead": "/pilots",
    "admin": "/admin/quarantine",
}
SEES_WHO_IS_STUCK = frozenset({"manager", "hr", "rollout_lead", "admin"})
TV_REFRESH_S = 60
# Page wording (shown through `_()`, in the reader's language; `api.i18n`).
METRICS = {
    "points": N_("Points"),
    "proficiency": N_("Proficiency score"),
    "improvement": N_("Improvement"),
}
COLUMNS = {"points": N_("Points"), "proficiency": N_("Score"), "improvement": N_("Change")}
BAD_INPUT = {
    "period": N_("Unknown period; choose one from the list."),
    "metric": N_("Unknown metric; choose points, proficiency or improvement."),
    "division": N_("Unknown division; choose everyone, rookies or veterans."),
}
STORE_METRICS = {
    "points": N_("Points per head"),
    "adoption_rate": N_("Adoption rate"),
    "proficiency": N_("Mean score"),
}
STORE_INPUT = {
    "period": N_("Unknown period; use YYYY-MM, YYYY-Www or all."),
    "metric": N_("Unknown metric; choose points, adoption_rate or proficiency."),
    "scope": N_("Unknown scope; choose the chain or a region."),
    "unit": N_("Store vs store compares the stores of the chain or of a region."),
}
FELL_BACK = {  # `rewards.team`'s note: the asked-for period has no complete day; the one shown
    "week": N_("%(asked)s has no complete day yet; showing this week."),
    "last-week": N_("%(asked)s has no complete day yet; showing last week."),
}
MAX_SITES = 10_000  # the site picker lists them all
OPT_OUT = {"yes": True, "no": False}  # the /me form's `opt_out` field
OPTED = {
    True: N_("Your name is off the boards: others see “Anonymous” in your place."),
    False: N_("Your name is back on the boards for those who may see it."),
}


@bp.get("/")
@page(*ANY_ROLE)
def home():
    """Each role lands on its own page; a manager on the board of its first site."""
    principal = g.principal
    if principal.role == "manager":
        first = list_sites(database.session(), limit=1, only=set(principal.site_ids))
        if not first:
            raise Forbidden(_("Your login has no site yet; ask an admin to add one."))
        return redirect(url_for("web.site_leaderboard", site_id=first[0].code))
    return redirect(HOMES[principal.role])


def site_choices(current: Site) -> list[Site]:
    """The sites the picker offers: a manager's own, all for hr/rollout lead/admin."""
    principal = g.principal
    if principal.role == "employee":
        return [current]
    only = set(principal.site_ids) if principal.role == "manager" else None
    return list_sites(database.session(), limit=MAX_SITES, only=only)


@bp.get("/sites/<site_id>/leaderboard")
@page(*ANY_ROLE)
def site_leaderboard(site_id):
    """The team board; `?period=`, `?metric=`, and `?tv=1` for a large, self-refreshing screen."""
    wanted = request.args.get("site")
    if wanted and wanted != site_id:  # the site picker without JavaScript
        args = {k: v for k, v in request.args.items() if k != "site"}
        return redirect(url_for("web.site_leaderboard", site_id=wanted, **args))
    site = visible_site(database.session(), g.principal, site_id)
    principal = g.principal
    tv = request.args.get("tv") == "1"
    try:
        shown = team_page(
            database.session(),
            site,
            period=request.args.get("period"),
            metric=request.args.get("metric", "points"),
            viewer=PUBLIC if tv else auth_viewer(principal),  # a TV screen is read by anyone
            with_coaching=not tv and principal.role in SEES_WHO_IS_STUCK,
            now=now(),
            division=request.args.get("division", "all"),
            locale=i18n.current_locale(),
        )
    except Invalid as exc:
        raise Unreadable(
            next((_(BAD_INPUT[k]) for k in exc.details if k in BAD_INPUT), exc.message)
        ) from exc
    return render_page(
        "leaderboard.html",
        title=_("%(site)s — team board", site=site.name),
        site=site,
        sites=site_choices(site),
        metrics=_translated(METRICS),
        columns=_translated(COLUMNS),
        board=_with_note(shown.board, request.args.get("period")),
        stuck=shown.coaching,
        tv=tv,
        refresh=TV_REFRESH_S if tv else None,
        rookie_days=load_points_rules(database.session()).rookie_days,
    )


@bp.get("/stores/leaderboard")
@page("hr", "rollout_lead", "manager")
def store_leaderboard():
    """Store vs store: the sites of the chain or a region (`?scope=region:NAME`) ranked by
    points per head, adoption rate or mean score (`?metric=`, `?period=`); sites only, no people,
    so a manager sees every store's aggregates and never another store's people."""
    try:
        board = store_page(
            database.session(),
            scope=request.args.get("scope", "chain"),
            period=request.args.get("period") or None,
            metric=request.args.get("metric", "points"),
            min_group=current_app.extensions["uptake"].settings.min_group,
            now=now(),
            hide_small=g.principal.role in ("manager", "rollout_lead"),
        )
    except Invalid as exc:
        raise Unreadable(
            next((_(STORE_INPUT[k]) for k in exc.details if k in STORE_INPUT), exc.message)
        ) from exc
    return render_page(
        "stores.html", title=_("Store vs store"), board=board, metrics=_translated(STORE_METRICS)
    )


def _translated(labels: dict[str, str]) -> dict[str, str]:
    return {key: _(label) for key, label in labels.items()}


def _with_note(board, asked: str | None):
    """The board with `rewards.team`'s fallback note (an asked-for period with no complete day
    yet) worded in the reader's language."""
    choices = {c.key: c for c in board.choices}
    if not board.note or asked not in choices or board.choice.key not in FELL_BACK:
        return board
    note = _(FELL_BACK[board.choice.key], asked=period_label(choices[asked]))
    return replace(board, note=note)


@bp.get("/me")
@page(*ANY_ROLE)
def me():
    """The signed-in employee's own progress; a login without an employee has none."""
    employee_id = _my_employee_id()
    return render_page(
        "me.html",
        title=_("My progress"),
        progress=progress_of(database.session(), employee_id, now(), i18n.current_locale()),
        opted_out=public_opt_out(database.session(), employee_id),
        colleague_names=auth_viewer(g.principal).colleague_names,
        recent=_recent_points(employee_id),
        around=_around_me(employee_id),
        kudos=_recent_kudos(employee_id),
        colleague_kudos=load_points_rules(database.session()).colleague_kudos,
        my_notifications=_my_notifications(employee_id),
        personal_events=_translated(PERSONAL_EVENTS),
        hard_features=_hard_features(employee_id),
    )


def _hard_features(employee_id: int) -> list:
    """The core features the person fails most over 28 days to the home site's last complete
    day, each with whether it has a quick-reference card (`adoption.usage.hard_features`)."""
    session = database.session()
    employee = session.get(Employee, employee_id)
    if employee is None:
        return []
    last = yesterday(employee.site.timezone, now())
    return hard_features(session, employee_id, last, i18n.current_locale())


# What a person may be told of by e-mail, as the /me form names it (adoption.notify.events).
PERSONAL_EVENTS = {
    "person.badge": N_("when I earn a badge or reach a new level"),
    "month.closed": N_("when I am named my store's champion"),
}


def _my_notifications(employee_id: int) -> list[dict]:
    """The person's own subscriptions, with their own address in full (others see it
    redacted: `describe`)."""
    session = database.session()
    subs = list_subscriptions(session, employee_id=employee_id)
    return [
        {**describe(session, sub), "address": sub.channel.removeprefix("mailto:")} for sub in subs
    ]


def _recent_kudos(employee_id: int) -> list[dict]:
    """The kudos of the last 30 days at the home site, newest first (`rewards.kudos`)."""
    session = database.session()
    employee = session.get(Employee, employee_id)
    if employee is None:
        return []
    today = local_today(employee.site.timezone, now())
    return list_kudos(session, employee, today - timedelta(days=29), today)


def _around_me(employee_id: int) -> dict | None:
    """Around me on the home site's points board of the month holding yesterday (n = 2, ties
    kept together, the gap to the rank above; `rewards.around`); None when not on it."""
    session = database.session()
    employee = session.get(Employee, employee_id)
    try:
        return around(
            session,
            scope=f"site:{employee.site.code}",
            period=None,
            metric="points",
            employee=employee,
            asked=employee.external_id,
            n=2,
            viewer=auth_viewer(g.principal),
            now=now(),
        )
    except NotFound:
        return None


def _recent_points(employee_id: int) -> list[dict]:
    """The last 7 days' points with the features behind them (`rewards.points_trace`)."""
    session = database.session()
    employee = session.get(Employee, employee_id)
    if employee is None:
        return []
    return recent_days(session, employee, now=now(), locale=i18n.current_locale())


@bp.get("/points/rules")
@page(*ANY_ROLE)
def how_points_work():
    """How points work, generated from the live feature catalog and the active points config."""
    return render_page(
        "points_rules.html",
        title=_("How points work"),
        rules=points_rules(database.session(), i18n.current_locale()),
    )


@bp.post("/me/opt-out")
@page(*ANY_ROLE)
def me_opt_out():
    """The person's own choice (`opt_out` yes or no): off the boards others see by name, or back
    on. The form carries the session's CSRF token, as every form of the blueprint."""
    choice = OPT_OUT.get(request.form.get("opt_out", ""))
    if choice is None:
        raise Unreadable(_("Choose whether your name is shown on the boards (yes or no)."))
    set_public_opt_out(
        database.session(), _my_employee_id(), choice, now=now(), actor=g.principal.name
    )
    flash(_(OPTED[choice]), "ok")
    return redirect(url_for("web.me"))


@bp.post("/me/notifications")
@page(*ANY_ROLE)
def me_subscribe():
    """The person's own opt-in: an e-mail when they earn a badge or reach a level, or are named
    champion (`adoption.notify.subscriptions.subscribe_own`: one mailto: address, their own)."""
    address = request.form.get("address", "").strip()
    event = request.form.get("event", "")
    if event not in PERSONAL_EVENTS:
        raise Unreadable(_("Choose what to be told of."))
    try:
        with database.attempt():
            subscribe_own(
                database.session(),
                employee_id=_my_employee_id(),
                event=event,
                channel=f"mailto:{address}" if address else "",
                now=now(),
                actor=g.principal.name,
            )
    except Invalid:
        if address:
            message = _("Not subscribed: %(address)s is not one e-mail address.", address=address)
        else:
            message = _("Not subscribed: an empty address is not one e-mail address.")
        flash(message, "error")
        return redirect(url_for("web.me", _anchor="notifications"))
    flash(
        _("We will e-mail %(address)s %(when)s.", address=address, when=_(PERSONAL_EVENTS[event])),
        "ok",
    )
    return redirect(url_for("web.me", _anchor="notifications"))


@bp.post("/me/notifications/<int:subscription_id>/remove")
@page(*ANY_ROLE)
def me_unsubscribe(subscription_id: int):
    """The person's own opt-out of one of their subscriptions (someone else's is a 404)."""
    remove(
        database.session(),
        subscription_id,
        now=now(),
        actor=g.principal.name,
        owner=_my_employee_id(),
    )
    flash(_("Unsubscribed: no more e-mails of that kind."), "ok")
    return redirect(url_for("web.me", _anchor="notifications"))


def _my_employee_id() -> int:
    if g.principal.employee_id is None:
        raise NotFound(_("No employee is linked to your login, so there is no progress to show."))
    return g.principal.employee_id
