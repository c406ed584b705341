"""Adoption by site, as the API and CLI serve it: rows per site, and series per site by day or
by week since go-live."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from adoption.calendar import last_complete_week, resolve_window, week_window
from adoption.errors import Invalid
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from adoption.usage.metrics import Window, site_metrics, sites_by_id

MAX_SERIES_POINTS = 400
EARLIEST_WEEK = -8


def adoption_by_site(
    session: Session,
    *,
    now: datetime,
    rules: ScoringRules,
    first: date | None = None,
    last: date | None = None,
    site_ids: set[int] | None = None,
) -> list[dict]:
    """One row per site; omitted dates default per site to the 7 days ending yesterday there."""
    sites = sites_by_id(session, site_ids)
    windows = [Window(s.id, *resolve_window(s.timezone, now, first, last)) for s in sites.values()]
    rows = site_metrics(session, windows, rules)
    return [_row(sites[w.site_id], w, m) for w, m in zip(windows, rows, strict=True)]


def _row(site: Site, window: Window, metrics: dict) -> dict:
    return {
        "site_id": site.code,
        "is_pilot": site.is_pilot,
        "go_live_on": site.go_live_on,
        "from": window.first,
        "to": window.last,
        **metrics,
    }


def site_series(
    session: Session,
    site: Site,
    *,
    by: str,
    now: datetime,
    rules: ScoringRules,
    first: date | None = None,
    last: date | None = None,
    after: date | int | None = None,
    limit: int | None = None,
) -> list[dict]:
    """The adoption fields per local day, or per complete week since the site's go-live.

    One page: the first `limit` points after `after` (a day for by=day, a week number for
    by=week_since_go_live); only those are computed.
    """
    if by == "day":
        first, last = resolve_window(site.timezone, now, first, last)
        if (last - first).days + 1 > MAX_SERIES_POINTS:
            raise Invalid({"from": [f"At most {MAX_SERIES_POINTS} days per series."]})
        days = _page(_days(first, last), after, limit)
        windows = [Window(site.id, d, d) for d in days]
        points = [{"day": d} for d in days]
    elif by == "week_since_go_live":
        if site.go_live_on is None:
            raise Invalid({"by": [f"Site {site.code} has no go_live_on yet."]})
        weeks = list(
            range(EARLIEST_WEEK, last_complete_week(site.go_live_on, site.timezone, now) + 1)
        )
        weeks = _page(weeks, after, limit)
        windows = [Window(site.id, *week_window(site.go_live_on, k)) for k in weeks]
        points = [{"week": k} for k in weeks]
    else:
        raise Invalid({"by": ["Must be one of: day, week_since_go_live."]})
    if not windows:
        return []
    metrics = site_metrics(session, windows, rules)
    return [
        {**p, "from": w.first, "to": w.last, **m}
        for p, w, m in zip(points, windows, metrics, strict=True)
    ]


def _page(keys: list, after, limit: int | None) -> list:
    """The keys (ascending) after `after`, at most `limit` of them."""
    if after is not None:
        keys = [k for k in keys if k > after]
    return keys if limit is None else keys[:limit]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
