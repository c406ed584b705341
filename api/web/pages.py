"""The role home (/), the team leaderboard (/sites/<site_id>/leaderboard) and /me."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from adoption.calendar import local_today
from adoption.errors import NotFound
from adoption.masterdata.records import get_site
from adoption.models import Employee, Site
from adoption.scoring.rules import load_rules
from api import database
from api.web import bp
from api.web.board import COLUMNS, METRICS, PUBLIC_VIEWER, period_choices, pick_period, team_board
from api.web.progress import my_progress
from api.web.render import ANY_ROLE, now, page, render_page
from api.web.stuck import STRUGGLING_ACCURACY, STRUGGLING_MIN_ATTEMPTS, who_is_stuck

HOMES = {
    "employee": "/me",
    "hr": "/champions",
    "rollout_lead": "/pilots",
    "admin": "/admin/quarantine",
}
SEES_WHO_IS_STUCK = frozenset({"manager", "hr", "rollout_lead", "admin"})
TV_REFRESH_S = 60


@bp.get("/")
@page(*ANY_ROLE)
def home():
    """Each role lands on its own page; a manager on the board of its first site."""
    principal = g.principal
    if principal.role == "manager":
        code = database.session().scalar(
            select(Site.code)
            .where(Site.id.in_(principal.site_ids))
            .order_by(Site.code_key)
            .limit(1)
        )
        if code is None:
            abort(403, "Your login has no site yet; ask an admin to add one.")
        return redirect(url_for("web.site_leaderboard", site_id=code))
    return redirect(HOMES[principal.role])


def visible_site(code: str) -> Site:
    """The site, if the signed-in user may see it. A scoped role gets 403 for an unknown code
    as for another site's, so probing codes tells nothing about other sites."""
    principal = g.principal
    try:
        site = get_site(database.session(), code)
    except NotFound:
        if principal.scoped:
            abort(403, "This board is outside the sites of your login.")
        raise
    if not principal.can_see_site(site.id):
        abort(403, "This board is outside the sites of your login.")
    return site


def site_choices(current: Site) -> list[Site]:
    """The sites the picker offers: a manager's own, all for hr/rollout lead/admin."""
    principal = g.principal
    if principal.role == "employee":
        return [current]
    stmt = select(Site).order_by(Site.code_key)
    if principal.role == "manager":
        stmt = stmt.where(Site.id.in_(principal.site_ids))
    return list(database.session().scalars(stmt))


@bp.get("/sites/<site_id>/leaderboard")
@page(*ANY_ROLE)
def site_leaderboard(site_id):
    """The team board; `?period=`, `?metric=`, and `?tv=1` for a large, self-refreshing screen."""
    wanted = request.args.get("site")
    if wanted and wanted != site_id:  # the site picker without JavaScript
        args = {k: v for k, v in request.args.items() if k != "site"}
        return redirect(url_for("web.site_leaderboard", site_id=wanted, **args))
    site = visible_site(site_id)
    principal = g.principal
    session = database.session()
    clock = now()
    choices = period_choices(local_today(site.timezone, clock))
    metric = request.args.get("metric", "points")
    tv = request.args.get("tv") == "1"
    try:
        period, note = pick_period(choices, request.args.get("period"))
    except KeyError:
        abort(400, "Unknown period; choose one from the list.")
    if metric not in METRICS:
        abort(400, "Unknown metric; choose points, proficiency or improvement.")
    me = None
    if principal.employee_id is not None:
        me = session.get(Employee, principal.employee_id).external_id
    board = team_board(
        session,
        site,
        period=period,
        metric=metric,
        viewer_role=PUBLIC_VIEWER if tv else principal.role,
        now=clock,
        me=me,
    )
    stuck, rules = None, load_rules(session)
    if not tv and principal.role in SEES_WHO_IS_STUCK:
        stuck = who_is_stuck(session, site, board["as_of"], rules)
    return render_page(
        "leaderboard.html",
        title=f"{site.name} — team board",
        site=site,
        sites=site_choices(site),
        choices=choices,
        period=period,
        note=note,
        metrics=METRICS,
        columns=COLUMNS,
        metric=metric,
        board=board,
        stuck=stuck,
        struggling_rule=(STRUGGLING_ACCURACY, STRUGGLING_MIN_ATTEMPTS),
        window_days=rules.window_days,
        tv=tv,
        refresh=TV_REFRESH_S if tv else None,
    )


@bp.get("/me")
@page(*ANY_ROLE)
def me():
    """The signed-in employee's own progress; a login without an employee has none."""
    if g.principal.employee_id is None:
        abort(404, "No employee is linked to your login, so there is no progress to show.")
    session = database.session()
    employee = session.get(Employee, g.principal.employee_id)
    return render_page(
        "me.html",
        title="My progress",
        employee=employee,
        progress=my_progress(session, employee, now()),
    )
