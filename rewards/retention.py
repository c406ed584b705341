"""The bound retention must respect: the oldest month HR has not closed (docs/privacy.md
"Keeping raw events"). Points of a month are re-derived from its events until the month is
closed, so no event of such a month may go. `adoption.retention` knows nothing of champion
months; its callers (the `partitions` job, `uptake db retention`) pass this bound in."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.models import Event
from rewards.champions.periods import frozen_months


def oldest_open_month(session: Session, cut: date) -> date | None:
    """The first day of the oldest month before `cut` (from the month of the oldest event kept)
    that is not closed; None when every such month is closed, so `cut` may stand."""
    oldest = session.scalar(select(func.min(Event.local_day)))
    if oldest is None or oldest >= cut:
        return None
    closed = frozen_months(session)
    month = Month.of(oldest)
    while month.first_day < cut:
        if str(month) not in closed:
            return month.first_day
        month = month.next()
    return None
