"""Re-deriving local days when a site's timezone changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from adoption.models import Event, Site
from adoption.usage.rollups import rebuild_rollups


def rederive_site_days(session: Session, site: Site, chunk: int = 20_000) -> int:
    """Recompute local_day for the site's events, then rebuild its rollups; returns events moved."""
    tz = ZoneInfo(site.timezone)
    rows = session.execute(
        select(Event.id, Event.occurred_at, Event.local_day).where(Event.site_id == site.id)
    ).all()
    changes = [
        {"eid": eid, "day": at.astimezone(tz).date()}
        for eid, at, day in rows
        if at.astimezone(tz).date() != day
    ]
    table = Event.__table__
    stmt = update(table).where(table.c.id == bindparam("eid")).values(local_day=bindparam("day"))
    for start in range(0, len(changes), chunk):
        session.execute(stmt, changes[start : start + chunk])
    rebuild_rollups(session, site_ids={site.id})
    return len(changes)
