"""Adoption metrics, insights and each person's proficiency."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g

from adoption.calendar import (
    check_window,
    default_window,
    last_complete_day,
    resolve_window,
    yesterday,
)
from adoption.masterdata import records
from adoption.scoring import proficiency
from adoption.scoring.rules import create_rules, list_rules, load_rules
from adoption.usage import by_site, metrics
from adoption.usage.visible import visible_adoption, visible_coaching, visible_insights
from api import database
from api.auth import require_person, requires, viewer, visible_site, visible_site_ids
from api.clock import utcnow
from api.http.blueprint import Blueprint, path
from api.pagination import day_of, decode_cursor, next_link, parse_cursor
from api.schemas.adoption import (
    AdoptionArgs,
    AdoptionListArgs,
    AdoptionRowSchema,
    CoachingArgs,
    CoachingSchema,
    HistoryArgs,
    HistoryPointSchema,
    InsightsSchema,
    ProficiencyArgs,
    ProficiencySchema,
    ProgressSchema,
    ScoringConfigSchema,
    SeriesArgs,
    SeriesPointSchema,
)
from rewards.progress import my_progress

bp = Blueprint("adoption", __name__, description="Adoption metrics, insights and proficiency.")


def _scope(site_code: str | None) -> set[int] | None:
    """The sites the caller asked for and may see (None: every site)."""
    session = database.session()
    visible = visible_site_ids(g.principal)
    if site_code is None:
        return visible
    return {visible_site(session, g.principal, site_code).id}


def _min_group() -> int:
    """Aggregates over fewer people are withheld from managers and rollout leads."""
    return current_app.extensions["uptake"].settings.min_group


def _check_dates(args) -> None:
    if args["from_"] and args["to"]:
        check_window(args["from_"], args["to"])


@bp.get("/adoption/sites")
@requires("rollout_lead", "manager")
@bp.arguments(AdoptionListArgs, location="query")
@bp.response(200, AdoptionRowSchema(many=True))
def adoption_sites(args):
    """One row per site, by site code; only the page's sites are computed."""
    _check_dates(args)
    session = database.session()
    limit = args["limit"]
    page = records.list_sites(
        session, limit=limit, after=decode_cursor(args["cursor"]), only=_scope(args["site_id"])
    )
    rows = []
    if page:
        rows = by_site.adoption_by_site(
            session,
            now=utcnow(),
            rules=load_rules(session),
            first=args["from_"],
            last=args["to"],
            site_ids={s.id for s in page},
        )
    rows = visible_adoption(viewer(g.principal), rows, _min_group())
    return rows, 200, next_link(page, limit, lambda s: s.code_key)


@bp.get("/adoption/sites/<site_id>/series", parameters=path("site_id"))
@requires("rollout_lead", "manager")
@bp.arguments(SeriesArgs, location="query")
@bp.response(200, SeriesPointSchema(many=True))
def adoption_series(args, site_id):
    _check_dates(args)
    session = database.session()
    site = visible_site(session, g.principal, site_id)
    key = "day" if args["by"] == "day" else "week"
    limit = args["limit"]
    points = by_site.site_series(
        session,
        site,
        by=args["by"],
        now=utcnow(),
        rules=load_rules(session),
        first=args["from_"],
        last=args["to"],
        after=parse_cursor(args["cursor"], day_of if key == "day" else int),
        limit=limit,
    )
    points = visible_adoption(viewer(g.principal), points, _min_group())
    return points, 200, next_link(points, limit, lambda p: p[key])


@bp.get("/adoption/insights")
@requires("rollout_lead", "manager")
@bp.arguments(AdoptionArgs, location="query")
@bp.response(200, InsightsSchema)
def adoption_insights(args):
    _check_dates(args)
    session = database.session()
    scope = _scope(args["site_id"])
    sites = list(metrics.sites_by_id(session, scope).values())
    now = utcnow()
    first, last = _insights_window(sites, now, args)
    return visible_insights(
        session,
        viewer=viewer(g.principal),
        min_group=_min_group(),
        sites=sites,
        first=first,
        last=last,
        now=now,
        rules=load_rules(session),
    )


def _insights_window(sites, now, args):
    """Each site's default window ends yesterday there; over several sites, the window ends on
    the last day that has ended everywhere in scope (`last_complete_day` of their zones)."""
    return default_window(
        last_complete_day([s.timezone for s in sites], now), args["from_"], args["to"]
    )


def _person(user_id: str, what: str):
    """The employee, if the caller may read their `what` (self, own site, hr, admin)."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, what)
    return session, employee


@bp.get("/employees/<user_id>/proficiency", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(ProficiencyArgs, location="query")
@bp.response(200, ProficiencySchema)
def employee_proficiency(args, user_id):
    session, employee = _person(user_id, "proficiency")
    as_of = args["as_of"] or yesterday(employee.site.timezone, utcnow())
    rules = load_rules(session, args["config_version"])
    return proficiency.employee_proficiency(session, employee, as_of, rules)


@bp.get("/employees/<user_id>/history", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.arguments(HistoryArgs, location="query")
@bp.response(200, HistoryPointSchema(many=True))
def employee_history(args, user_id):
    session, employee = _person(user_id, "history")
    _check_dates(args)
    first, last = _history_window(employee, args)
    rules = load_rules(session, args["config_version"])
    after, limit = parse_cursor(args["cursor"], day_of), args["limit"]
    if after is not None:
        first = max(first, after + timedelta(days=1))
    points = []
    if first <= last:  # only the page's days are scored
        page_last = min(last, first + timedelta(days=limit - 1))
        points = proficiency.employee_history(session, employee, first, page_last, rules)
    return points, 200, next_link(points, limit, lambda p: p["day"])


def _history_window(employee, args):
    """The contract's default: the 7 days ending yesterday at the employee's home site."""
    return resolve_window(employee.site.timezone, utcnow(), args["from_"], args["to"])


@bp.get("/scoring/configs")
@requires("hr", "rollout_lead", "manager", "employee")
@bp.response(200, ScoringConfigSchema(many=True))
def scoring_configs():
    """Every version, oldest first; the last one is active. Scores name the version they used."""
    return [r.as_dict() for r in list_rules(database.session())]


@bp.post("/scoring/configs")
@requires()
@bp.arguments(ScoringConfigSchema)
@bp.response(201, ScoringConfigSchema)
def create_scoring_config(changes):
    session = database.session()
    rules = create_rules(session, changes, now=utcnow(), actor=g.principal.name)
    return rules.as_dict()


@bp.get("/sites/<site_id>/coaching", parameters=path("site_id"))
@requires("manager", "hr", "rollout_lead")
@bp.arguments(CoachingArgs, location="query")
@bp.response(200, CoachingSchema)
def site_coaching_list(args, site_id):
    """Who needs help at the site as of its yesterday: never-started, struggling, dormant and
    silent (no success in `silent_days` days, default 28, 7..365) people of its team, each in
    one list, with the figures it rests on, the feature they fail on most and a suggested action
    (`adoption.usage.coaching`), named as the caller may see them
    (`adoption.usage.visible.visible_coaching`)."""
    session = database.session()
    site = visible_site(session, g.principal, site_id)
    return visible_coaching(session, site, utcnow(), viewer(g.principal), args["silent_days"])


@bp.get("/employees/<user_id>/progress", parameters=path("user_id"))
@requires("hr", "manager", "employee")
@bp.response(200, ProgressSchema)
def employee_progress(user_id):
    """One person's progress: score and level as of yesterday, the next level, points today and
    what each feature's daily cap leaves today (the employee itself, its site's manager, hr)."""
    session = database.session()
    employee = records.get_employee(session, user_id)
    require_person(g.principal, employee, "progress")
    return my_progress(session, employee, utcnow())
