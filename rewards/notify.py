"""The rewards' notifications: a month ready to close, a month closed with its champions, and a
badge earned. Each is emitted in the transaction of what it tells of (`adoption.notify.outbox`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import Month, chain_today, site_timezones
from adoption.notify.events import MONTH_CLOSED, MONTH_READY, PERSON_BADGE
from adoption.notify.outbox import emit
from rewards.champions.periods import month_status
from rewards.models import BadgeAward, ChampionEntry, ChampionPeriod


def notify_month_ready(session: Session, now: datetime) -> int:
    """Owe HR a `month.ready` once the previous month can be closed (once per month and
    version: a reopened month that can be closed again is told of again)."""
    month = Month.of(chain_today(site_timezones(session) or ["UTC"], now)).previous()
    status = month_status(session, month, now)
    if not status.can_close:
        return 0
    key = f"{MONTH_READY}:{month}/v{status.version}"
    return emit(
        session, MONTH_READY, key, {"month": str(month), "version": status.version}, now=now
    )


def notify_month_closed(session: Session, period: ChampionPeriod, now: datetime) -> int:
    """Owe a `month.closed` with the champions: chain-wide subscriptions get every site's, a
    site's subscription its own site's, a person's only when they are a champion."""
    entries = session.scalars(
        select(ChampionEntry)
        .where(ChampionEntry.period_id == period.id, ChampionEntry.kind == "champion")
        .order_by(ChampionEntry.site_code)
    ).all()
    line = {
        e.id: {
            "site_id": e.site_code,
            "user_id": e.user_id,
            "display_name": e.display_name,
            "points": e.points,
        }
        for e in entries
    }
    payload = {
        "month": period.month,
        "version": period.version,
        "closed_by": period.closed_by,
        "champions": list(line.values()),
    }
    # A store whose entry names nobody is not in `sites`: its managers get the "no champion at
    # your store" message (`events.unnamed_site_part`), chain-wide subscribers its "none" line.
    sites: dict[int, dict] = {}
    for e in entries:
        if e.employee_id is not None:
            sites.setdefault(e.site_id, {"champions": []})["champions"].append(line[e.id])
    people: dict[int, dict] = {}
    for e in entries:
        if e.employee_id is not None:
            people.setdefault(e.employee_id, {"champions": []})["champions"].append(line[e.id])
    key = f"{MONTH_CLOSED}:{period.month}/v{period.version}"
    return emit(session, MONTH_CLOSED, key, payload, now=now, sites=sites, people=people)


def notify_badge(session: Session, award: BadgeAward, title: str, name: str, now: datetime) -> int:
    """Owe the person (their own subscription) a `person.badge` for a badge just awarded."""
    payload = {
        "display_name": name,
        "badge": award.badge,
        "badge_title": title,
        "day": award.awarded_on,
    }
    key = f"{PERSON_BADGE}:badge:{award.employee_id}:{award.badge}"
    return emit(session, PERSON_BADGE, key, payload, now=now, people={award.employee_id: {}})
