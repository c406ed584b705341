"""Monthly champions: the live draft, closing (freezing) a month, reopening it as a new version.

A closed version is read back from its frozen champion_entry rows, so late events, rule changes
and re-runs never alter it; the newest draft is computed live. See rewards/rules.py for
eligibility, ordering and the reasons.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import Month
from adoption.errors import Conflict, MonthNotOver, NotFound
from adoption.locales import N_
from adoption.models import DailyUsage, Feature, Site
from adoption.scoring.rules import ScoringRules, load_rules
from rewards.champions import data as champion_data
from rewards.champions import rules as champion_rules
from rewards.champions.first_proficient import awards_between
from rewards.champions.periods import month_status
from rewards.models import ChampionEntry, ChampionPeriod, PointsLedger
from rewards.notify import notify_month_closed
from rewards.points import FEATURE_RULE, derive_points

RULES_ID = "champions-1"
DEFAULT_INELIGIBLE = ("manager",)


def rules_version(rules: ScoringRules, ineligible_roles: tuple[str, ...]) -> str:
    return f"{RULES_ID}/scoring-{rules.version}/ineligible={','.join(sorted(ineligible_roles))}"


def compute_month(
    session: Session,
    month: str,
    *,
    now: datetime,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
    rules: ScoringRules | None = None,
) -> dict:
    """Every site's champion entry and the month's first-proficient awards, as of now.

    Scores are taken on the month's last day (yesterday at the site while the month runs).
    """
    parsed = Month.parse(month)
    first, last = parsed.first_day, parsed.last_day
    rules = rules or load_rules(session)
    roles = tuple(ineligible_roles)
    sites = list(session.scalars(select(Site).order_by(Site.code_key)))
    people = champion_data.candidates(session, first, last, now)
    tests = champion_rules.conditions(month, last, roles)
    champion_data.add_scores(session, people, sites, tests[:-1], last, now, rules)
    champion_data.add_last_earned(session, people, tests, first, last)
    staff: dict[int, list] = {}
    for candidate, home in people.values():
        staff.setdefault(home, []).append(candidate)
    champions = [
        {
            "site_id": site.code,
            "site_pk": site.id,
            **champion_rules.champion(site.code, staff.get(site.id, []), tests),
        }
        for site in sites
    ]
    return {
        "month": month,
        "rules_version": rules_version(rules, roles),
        "champions": champions,
        "first_proficient": awards_between(session, first, last),
    }


def _periods(session: Session, month: str) -> dict[int, ChampionPeriod]:
    rows = session.scalars(select(ChampionPeriod).where(ChampionPeriod.month == month))
    return {p.version: p for p in rows}


def get_month(
    session: Session,
    month: str,
    version: int | None = None,
    *,
    now: datetime,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
) -> dict:
    """The contract's champions object: a closed version from its frozen rows, a draft live."""
    Month.parse(month)
    periods = _periods(session, month)
    newest = max(periods, default=1)
    wanted = newest if version is None else version
    period = periods.get(wanted)
    if period is None and not (wanted == 1 and not periods):
        raise NotFound(f"No version {wanted} of {month}.", {"month": month, "version": wanted})
    if period is not None and period.status == "closed":
        return _frozen(session, period)
    live = compute_month(session, month, now=now, ineligible_roles=ineligible_roles)
    return {**_header(period, month, wanted), **live}


def _header(period: ChampionPeriod | None, month: str, version: int) -> dict:
    return {
        "month": month,
        "version": version,
        "status": period.status if period else "draft",
        "closed_at": period.closed_at if period else None,
        "closed_by": period.closed_by if period else None,
        "note": period.note if period else None,
    }


def _frozen(session: Session, period: ChampionPeriod) -> dict:
    entries = session.scalars(
        select(ChampionEntry)
        .where(ChampionEntry.period_id == period.id)
        .order_by(ChampionEntry.site_code)
    ).all()
    return {
        **_header(period, period.month, period.version),
        "rules_version": period.rules_version,
        "champions": [_entry(e) for e in entries if e.kind == "champion"],
        "first_proficient": [_entry(e) for e in entries if e.kind == "first_proficient"],
    }


def _entry(e: ChampionEntry) -> dict:
    return {
        "site_id": e.site_code,
        "user_id": e.user_id,
        "display_name": e.display_name,
        "points": e.points,
        "score": e.score,
        "rank_reason": e.rank_reason,
        "proficient_since": e.proficient_since,
    }


def close_month(
    session: Session,
    month: str,
    *,
    now: datetime,
    actor: str,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
) -> dict:
    """Freeze the month (no-op when its newest version is closed); audited.

    The month's ledger is brought up to date first (`derive_points` over `lagging_pairs`), so
    what is frozen includes every event received before the close.
    """
    parsed = Month.parse(month)
    first, last = parsed.first_day, parsed.last_day
    periods = _periods(session, month)
    period = periods.get(max(periods, default=0))
    if period is not None and period.status == "closed":
        return _frozen(session, period)
    _check_over(session, month, now)
    derive_points(session, lagging_pairs(session, first, last), now=now)
    live = compute_month(session, month, now=now, ineligible_roles=ineligible_roles)
    if period is None:
        period = ChampionPeriod(month=month, version=1, created_at=now, created_by=actor)
        session.add(period)
    period.status, period.closed_at, period.closed_by = "closed", now, actor
    period.rules_version = live["rules_version"]
    session.flush()
    session.add_all(_entries(period, live))
    audit.record(
        session,
        actor=actor,
        action="champions.close",
        target_type="champion_period",
        target=f"{month}/v{period.version}",
        now=now,
        details={"month": month, "version": period.version, "rules_version": period.rules_version},
    )
    session.flush()
    # Owed in this transaction: a close that rolls back tells no one.
    notify_month_closed(session, period, now)
    return _frozen(session, period)


def lagging_pairs(session: Session, first: date, last: date) -> set[tuple[int, date]]:
    """The (employee, day) pairs of [first, last] whose feature points on the ledger may differ
    from what `rewards.points.desired_points` books now: `derive_points` over them adds the same
    rows as over every pair, without reading every event.

    A check, not a booking: the daily_usage rollup (in line with the events, ingest keeps it in
    the same transaction) says how many successes each (employee, site, feature after aliasing,
    day) has, so DESIGN "Points" gives each site's total, compared with the ledger's. Without a
    cap a site earns successes × points; with one, a day at one site earns min(successes ×
    points, cap), and a day at several sites whose successes stay within the cap earns
    successes × points at each. A pair whose total differs, or that this cannot decide (the cap
    reached at several sites: which site earns then depends on the order of the events;
    negative points or caps), is listed.
    """
    du, pl, feature = DailyUsage, PointsLedger, Feature
    usage = select(
        du.employee_id,
        du.site_id,
        du.feature_id,
        du.local_day,
        du.successes.label("n"),
        literal(0).label("booked"),
    ).where(du.local_day >= first, du.local_day <= last)
    ledger = select(
        pl.employee_id, pl.site_id, pl.feature_id, pl.local_day, literal(0), pl.points
    ).where(pl.rule == FEATURE_RULE, pl.local_day >= first, pl.local_day <= last)
    both = union_all(usage, ledger).subquery()
    key = (both.c.employee_id, both.c.site_id, both.c.feature_id, both.c.local_day)
    per_site = (
        select(*key, func.sum(both.c.n).label("n"), func.sum(both.c.booked).label("booked"))
        .group_by(*key)
        .subquery()
    )
    day = (per_site.c.employee_id, per_site.c.feature_id, per_site.c.local_day)
    g = select(
        per_site,
        func.sum(per_site.c.n).over(partition_by=day).label("day_n"),
        func.sum(case((per_site.c.n > 0, 1), else_=0)).over(partition_by=day).label("sites"),
    ).subquery()
    points, cap = feature.points, feature.daily_cap
    earned = g.c.n * points
    expected = case(
        (cap.is_(None), earned),
        (g.c.sites == 1, case((earned <= cap, earned), else_=cap)),
        else_=earned,
    )
    undecided = or_(
        points < 0,
        and_(cap.is_not(None), or_(cap < 0, and_(g.c.sites > 1, g.c.day_n * points > cap))),
    )
    rows = session.execute(
        select(g.c.employee_id, g.c.local_day)
        .join(feature, feature.id == g.c.feature_id)
        .where(or_(undecided, expected != g.c.booked))
        .distinct()
    )
    return set(rows.all())


def _check_over(session: Session, month: str, now: datetime) -> None:
    status = month_status(session, Month.parse(month), now)
    if status.running_sites:
        raise MonthNotOver(
            status.reason,
            {"reason": "month_not_over", "month": month, "sites": status.running_sites},
        )
    if status.void_window_until is not None:  # its points may still be clawed back
        raise MonthNotOver(
            status.reason,
            {
                "reason": "void_window_open",
                "month": month,
                "until": status.void_window_until.isoformat(),
            },
        )


def _entries(period: ChampionPeriod, live: dict) -> list[ChampionEntry]:
    rows = [
        ChampionEntry(
            period_id=period.id,
            kind="champion",
            site_id=c["site_pk"],
            site_code=c["site_id"],
            employee_id=c["employee_pk"],
            user_id=c["user_id"],
            display_name=c["display_name"],
            points=c["points"],
            score=c["score"],
            rank_reason=c["rank_reason"],
            details=c["details"],
        )
        for c in live["champions"]
    ]
    rows += [
        ChampionEntry(
            period_id=period.id,
            kind="first_proficient",
            site_id=f["site_pk"],
            site_code=f["site_id"],
            employee_id=f["employee_pk"],
            user_id=f["user_id"],
            display_name=f["display_name"],
            score=f["score"],
            proficient_since=f["proficient_since"],
            rank_reason=f"first proficient at {f['site_id']} on {f['proficient_since']}",
            details={},
        )
        for f in live["first_proficient"]
    ]
    return rows


def reopen_month(
    session: Session,
    month: str,
    *,
    now: datetime,
    actor: str,
    note: str | None = None,
    ineligible_roles: tuple[str, ...] = DEFAULT_INELIGIBLE,
) -> dict:
    """Admin only (checked by the caller): a new draft version n+1 of a closed month; audited."""
    Month.parse(month)
    periods = _periods(session, month)
    newest = periods.get(max(periods, default=0))
    if newest is None or newest.status != "closed":
        raise Conflict(
            N_("%(month)s is not closed; only a closed month can be reopened.", month=month),
            {"reason": "not_closed", "month": month},
        )
    version = newest.version + 1
    session.add(
        ChampionPeriod(
            month=month,
            version=version,
            status="draft",
            created_at=now,
            created_by=actor,
            note=note,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="champions.reopen",
        target_type="champion_period",
        target=f"{month}/v{version}",
        now=now,
        details={"month": month, "version": version, "previous": newest.version, "note": note},
    )
    session.flush()
    return get_month(session, month, version, now=now, ineligible_roles=ineligible_roles)
