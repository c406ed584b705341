"""The role home (/), the team leaderboard (/sites/<site_id>/leaderboard) and /me."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from adoption.errors import Forbidden, Invalid, NotFound, Unreadable
from adoption.masterdata.records import list_sites
from adoption.models import Site
from api import database
from api.auth import reveals_opted_out, visible_site
from api.web import bp
from api.web.render import ANY_ROLE, now, page, render_page
from rewards.progress import progress_of
from rewards.team import team_page

HOMES = {
    "employee": "/me",
    "hr": "/champions",
    "rollout_lead": "/pilots",
    "admin": "/admin/quarantine",
}
SEES_WHO_IS_STUCK = frozenset({"manager", "hr", "rollout_lead", "admin"})
TV_REFRESH_S = 60
METRICS = {"points": "Points", "proficiency": "Proficiency score", "improvement": "Improvement"}
COLUMNS = {"points": "Points", "proficiency": "Score", "improvement": "Change"}
BAD_INPUT = {
    "period": "Unknown period; choose one from the list.",
    "metric": "Unknown metric; choose points, proficiency or improvement.",
}
MAX_SITES = 10_000  # the site picker lists them all


@bp.get("/")
@page(*ANY_ROLE)
def home():
    """Each role lands on its own page; a manager on the board of its first site."""
    principal = g.principal
    if principal.role == "manager":
        first = list_sites(database.session(), limit=1, only=set(principal.site_ids))
        if not first:
            raise Forbidden("Your login has no site yet; ask an admin to add one.")
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
            reveal_opted_out=not tv and reveals_opted_out(principal),  # a TV screen is public
            with_coaching=not tv and principal.role in SEES_WHO_IS_STUCK,
            now=now(),
            me=principal.employee_id,
        )
    except Invalid as exc:
        raise Unreadable(
            next((BAD_INPUT[k] for k in exc.details if k in BAD_INPUT), exc.message)
        ) from exc
    return render_page(
        "leaderboard.html",
        title=f"{site.name} — team board",
        site=site,
        sites=site_choices(site),
        metrics=METRICS,
        columns=COLUMNS,
        board=shown.board,
        stuck=shown.coaching,
        tv=tv,
        refresh=TV_REFRESH_S if tv else None,
    )


@bp.get("/me")
@page(*ANY_ROLE)
def me():
    """The signed-in employee's own progress; a login without an employee has none."""
    if g.principal.employee_id is None:
        raise NotFound("No employee is linked to your login, so there is no progress to show.")
    return render_page(
        "me.html",
        title="My progress",
        progress=progress_of(database.session(), g.principal.employee_id, now()),
    )
