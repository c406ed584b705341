"""Provisional points and voids (DESIGN "Provisional points"; docs/metrics.md "Points").

With the points config's `void_window_hours` W above 0, the points of an event are provisional
until its occurred_at + W. A success event whose action ends in `.void` or `.refund` and whose
`properties.ref_event_id` names another event of the same source (at the same site) that
occurred at most W hours before it voids that event: the voided event earns nothing, so the key
it belonged to is re-derived and a correction row claws its points back. A void arriving after
the window changes nothing: the points were confirmed by then. With W = 0 (the default) nothing
is provisional and nothing is voided. The void event itself earns what its own feature earns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from adoption.models import Event, Feature

VOID_SUFFIXES = (".void", ".refund")


@dataclass(frozen=True)
class Original:
    """An event that may have been voided: internal id, source, public event id, when, where."""

    id: int
    source: str
    event_id: str
    occurred_at: datetime
    site_id: int


def void_feature_ids(session: Session) -> list[int]:
    """The features whose action ends in `.void` or `.refund`."""
    ends = [Feature.action.like(f"%{suffix}") for suffix in VOID_SUFFIXES]
    return list(session.scalars(select(Feature.id).where(or_(*ends))))


def voided(session: Session, originals: list[Original], day: date, window_hours: int) -> set[int]:
    """The internal ids of those of `originals` (events of local day `day`) that a void names
    within the window (occurred_at ≤ void's occurred_at ≤ occurred_at + W)."""
    if window_hours <= 0 or not originals:
        return set()
    void_features = void_feature_ids(session)
    if not void_features:
        return set()
    window = timedelta(hours=window_hours)
    span = timedelta(days=window_hours // 24 + 2)  # local days a void in the window can fall on
    rows = session.execute(
        select(Event.source, Event.properties, Event.occurred_at).where(
            Event.feature_id.in_(void_features),
            Event.outcome == "success",
            Event.local_day >= day,
            Event.local_day <= day + span,
            Event.site_id.in_({o.site_id for o in originals}),
        )
    )
    voids: dict[tuple[str, str], list[datetime]] = {}
    for source, properties, at in rows:
        ref = (properties or {}).get("ref_event_id") if isinstance(properties, dict) else None
        if isinstance(ref, str):
            voids.setdefault((source, ref), []).append(at)
    return {
        o.id
        for o in originals
        if any(
            o.occurred_at <= at <= o.occurred_at + window
            for at in voids.get((o.source, o.event_id), ())
        )
    }


def voided_pairs(session: Session, since: datetime, window_hours: int) -> set[tuple[int, date]]:
    """(employee, day) pairs of the events named by voids received since `since` (within the
    window or not: re-deriving a pair that did not change books nothing)."""
    if window_hours <= 0:
        return set()
    void_features = void_feature_ids(session)
    if not void_features:
        return set()
    rows = session.execute(
        select(Event.source, Event.properties, Event.site_id, Event.local_day).where(
            Event.received_at >= since, Event.feature_id.in_(void_features)
        )
    ).all()
    span = timedelta(days=window_hours // 24 + 2)
    out: set[tuple[int, date]] = set()
    for source, properties, site, day in rows:
        ref = (properties or {}).get("ref_event_id") if isinstance(properties, dict) else None
        if not isinstance(ref, str):
            continue
        found = session.execute(
            select(Event.employee_id, Event.local_day).where(
                Event.site_id == site,
                Event.local_day >= day - span,
                Event.local_day <= day,
                Event.source == source,
                Event.event_id == ref,
            )
        ).all()
        out |= {(e, d) for e, d in found}
    return out
