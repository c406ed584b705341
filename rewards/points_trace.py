"""One person's points, row by row, with what each row rests on (docs/metrics.md "Points").

`points_statement` is what `GET /employees/{id}/points`, `uptake points list` and the /me page
show: the person's ledger rows of a window of local days, oldest first, each with its feature,
rule, reason, config version, who gave it (awards) and whether it is still provisional; per day
and for the window, the sum. A feature row also lists its events: the success events of the
row's key (employee, site, canonical feature with its aliases, local day) from its first to its
last event in (occurred_at, event_id, id) order, which are exactly the events that earned the
key's total when the row was booked (`rewards.points`). They are listed by their public
`event_id` when there are at most `MAX_LISTED`, read per day in one indexed query; events that
retention or an erasure removed since are no longer listed (the count stays).

`points_rules` is the "how points work" page: the live catalog and the active points config.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import Month, local_today
from adoption.errors import Invalid
from adoption.ingest.registry import canonical_map
from adoption.masterdata.cards import feature_title, titles_by_action
from adoption.models import Employee, Event, Feature, Site
from rewards.models import PointsLedger
from rewards.points import FEATURE_RULE
from rewards.points_config import load_points_rules
from rewards.voids import Original, voided

MAX_LISTED = 50  # a feature row lists its events' ids up to this many
MAX_SPAN_DAYS = 366  # the longest window one statement covers
RECENT_DAYS = 7  # the days /me shows


def statement_window(
    employee: Employee, now: datetime, first: date | None, last: date | None
) -> tuple[date, date]:
    """[first, last]: by default the current month at the home site through today; `from` after
    `to` or a span over `MAX_SPAN_DAYS` is refused naming the field."""
    today = local_today(employee.site.timezone, now)
    if last is None:
        last = today if first is None or first <= today else first
    if first is None:
        first = min(Month.of(last).first_day, last)
    if first > last:
        raise Invalid({"from": ["Must not be after 'to'."]})
    if (last - first).days + 1 > MAX_SPAN_DAYS:
        raise Invalid({"to": [f"A window may span at most {MAX_SPAN_DAYS} days."]})
    return first, last


def points_statement(
    session: Session, employee: Employee, first: date, last: date, *, now: datetime
) -> dict:
    """The person's ledger rows of the local days [first, last], oldest first (by day, then
    row id), with per-day totals (days that have rows) and the window's total."""
    rows = session.execute(
        select(PointsLedger, Site.code, Feature.action, Feature.title)
        .join(Site, Site.id == PointsLedger.site_id)
        .outerjoin(Feature, Feature.id == PointsLedger.feature_id)
        .where(
            PointsLedger.employee_id == employee.id,
            PointsLedger.local_day >= first,
            PointsLedger.local_day <= last,
        )
        .order_by(PointsLedger.local_day, PointsLedger.id)
    ).all()
    traces = _traces(session, employee.id, [r[0] for r in rows])
    items = [
        describe(row, code, action, title, traces.get(row.id), now)
        for row, code, action, title in rows
    ]
    days: dict[date, int] = defaultdict(int)
    for item in items:
        days[item["local_day"]] += item["points"]
    return {
        "user_id": employee.external_id,
        "site_id": employee.site.code,
        "from": first,
        "to": last,
        "total": sum(days.values()),
        "days": [{"local_day": day, "points": days[day]} for day in sorted(days)],
        "rows": items,
    }


def ledger_entry(session: Session, row_id: int, *, now: datetime) -> dict:
    """One ledger row as a statement lists it (what an award answers)."""
    row, code, action, title = session.execute(
        select(PointsLedger, Site.code, Feature.action, Feature.title)
        .join(Site, Site.id == PointsLedger.site_id)
        .outerjoin(Feature, Feature.id == PointsLedger.feature_id)
        .where(PointsLedger.id == row_id)
    ).one()
    trace = _traces(session, row.employee_id, [row]).get(row.id)
    return describe(row, code, action, title, trace, now)


def describe(row: PointsLedger, code: str, action, title, trace, now: datetime) -> dict:
    """A ledger row for people: its feature (null for awards and badges), its reason, and for a
    feature row its events; provisional while `provisional_until` is still ahead."""
    return {
        "id": row.id,
        "local_day": row.local_day,
        "site_id": code,
        "feature": None if action is None else {"action": action, "title": title},
        "points": row.points,
        "rule": row.rule,
        "reason": row.reason,
        "earned_at": row.earned_at,
        "config_version": row.config_version,
        "given_by": row.given_by,
        "provisional": row.provisional_until is not None and row.provisional_until > now,
        "provisional_until": row.provisional_until,
        "events": trace,
    }


@dataclass(frozen=True)
class _Event:
    id: int
    event_id: str
    site_id: int
    feature_id: int  # canonical
    source: str
    occurred_at: datetime


def _traces(session: Session, employee_id: int, rows: list[PointsLedger]) -> dict[int, dict]:
    """Row id → {count, first, last, event_ids} for the traceable feature rows among `rows`;
    `first`/`last` are public event ids, null once the event is gone; `event_ids` is null above
    `MAX_LISTED` events or when the first or last event is gone."""
    traced = [r for r in rows if r.rule == FEATURE_RULE and r.event_count is not None]
    if not traced:
        return {}
    canonical = canonical_map(session)
    by_day: dict[date, list[PointsLedger]] = defaultdict(list)
    for row in traced:
        by_day[row.local_day].append(row)
    out = {}
    for day, day_rows in sorted(by_day.items()):
        events = _day_events(session, employee_id, day, day_rows, canonical)
        out.update({row.id: _trace(session, row, events) for row in day_rows})
    return out


def _day_events(session, employee_id, day, rows, canonical) -> list[_Event]:
    """The person's success events of the day on the rows' features (aliases included), in
    the order points are earned in (the database sorts, as when they were booked)."""
    wanted = {row.feature_id for row in rows}
    members = [f for f, c in canonical.items() if c in wanted] + sorted(wanted)
    found = session.execute(
        select(
            Event.id,
            Event.event_id,
            Event.site_id,
            Event.feature_id,
            Event.source,
            Event.occurred_at,
        )
        .where(
            Event.employee_id == employee_id,
            Event.local_day == day,
            Event.outcome == "success",
            Event.feature_id.in_(set(members)),
        )
        .order_by(Event.occurred_at, Event.event_id, Event.id)
    ).all()
    return [_Event(i, e, s, canonical.get(f, f), src, at) for i, e, s, f, src, at in found]


def _trace(session: Session, row: PointsLedger, events: list[_Event]) -> dict:
    """The row's key's events from its first to its last earning event, less those a void
    named within the row's config's void window (`rewards.voids`): they earned nothing."""
    key = [e for e in events if e.site_id == row.site_id and e.feature_id == row.feature_id]
    if row.config_version is not None:
        hours = load_points_rules(session, row.config_version).void_window_hours
        originals = [Original(e.id, e.source, e.event_id, e.occurred_at, e.site_id) for e in key]
        gone = voided(session, originals, row.local_day, hours)
        key = [e for e in key if e.id not in gone]
    at = {e.id: n for n, e in enumerate(key)}
    start, end = at.get(row.first_event_id), at.get(row.last_event_id)
    listed = None
    if start is not None and end is not None and row.event_count <= MAX_LISTED:
        listed = [e.event_id for e in key[start : end + 1]]
    return {
        "count": row.event_count,
        "first": key[start].event_id if start is not None else None,
        "last": key[end].event_id if end is not None else None,
        "event_ids": listed,
    }


def recent_days(
    session: Session,
    employee: Employee,
    *,
    now: datetime,
    days: int = RECENT_DAYS,
    locale: str | None = None,
) -> list[dict]:
    """/me: each of the last `days` local days at the home site (today first) with its points
    and the features behind them ({action, title, points}, awards and badges by their rule),
    from `points_statement`; titles in `locale` when given (`feature_title`)."""
    today = local_today(employee.site.timezone, now)
    first = today - timedelta(days=days - 1)
    statement = points_statement(session, employee, first, today, now=now)
    features: dict[date, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for item in statement["rows"]:
        feature = item["feature"]
        what = (feature["action"], feature["title"]) if feature else (item["rule"], None)
        features[item["local_day"]][what] += item["points"]
    if locale is not None:
        features = _localised(session, features, locale)
    out = []
    for n in range(days):
        day = today - timedelta(days=n)
        parts = [
            {"action": action, "title": title, "points": points}
            for (action, title), points in sorted(features[day].items())
            if points
        ]
        out.append({"local_day": day, "points": sum(p["points"] for p in parts), "parts": parts})
    return out


def _localised(session: Session, features: dict, locale: str) -> dict:
    """`recent_days`' (action, title) keys with each feature's title in `locale`."""
    actions = {action for day in features.values() for action, title in day if title}
    titles = titles_by_action(session, actions, locale)
    out: dict[date, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for day, parts in features.items():
        for (action, title), points in parts.items():
            out[day][(action, titles.get(action, title) if title else title)] += points
    return out


def _title(feature: Feature, locale: str | None) -> str | None:
    """The feature's title, in `locale` when given (`feature_title`); None without any."""
    if locale is None or not (feature.title or (feature.titles or {}).get(locale)):
        return feature.title
    return feature_title(feature, locale)


def points_rules(session: Session, locale: str | None = None) -> dict:
    """What the "how points work" page shows, all read live: each canonical feature that earns
    points ({action, title, points, daily_cap, is_core, aliases}; the title in `locale` when
    given, `feature_title`), and the active points config (void window, award cap, kudos
    points)."""
    features = session.scalars(select(Feature).order_by(Feature.action)).all()
    canonical = canonical_map(session)
    aliases: dict[int, list[str]] = defaultdict(list)
    for feature in features:
        target = canonical.get(feature.id, feature.id)
        if target != feature.id:
            aliases[target].append(feature.action)
    rows = [
        {
            "action": f.action,
            "title": _title(f, locale),
            "points": f.points,
            "daily_cap": f.daily_cap,
            "is_core": f.is_core,
            "aliases": sorted(aliases[f.id]),
        }
        for f in features
        if canonical.get(f.id, f.id) == f.id and f.points > 0
    ]
    return {"features": rows, "config": load_points_rules(session).as_dict()}
