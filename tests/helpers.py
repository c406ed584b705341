"""Small builders shared by tests."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.ingest.registry import canonical_map
from adoption.models import DailyUsage, Event


def event(n: int | str = 1, **overrides) -> dict:
    """A valid event; `occurred_at` defaults to an hour ago so it is never in the future."""
    ev = {
        "event_id": f"e-{n}",
        "user_id": "E001",
        "site_id": "S001",
        "action": "pos.sale.complete",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "outcome": "success",
        "duration_ms": 1200,
    }
    ev.update(overrides)
    return ev


NEXT_LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def follow_links(client, url: str, headers: dict) -> list[list]:
    """Every page of a list, following `Link: <…>; rel="next"` until a page has none."""
    pages = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        pages.append(response.json)
        link = response.headers.get("Link")
        url = NEXT_LINK.match(link).group(1) if link else None
        assert len(pages) < 100, "the links never end"
    return pages


def assert_rollups_recount(session) -> None:
    """daily_usage holds exactly a recount of the stored events (aliases count as their target)."""
    canonical = canonical_map(session)
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, []])
    rows = session.execute(
        select(
            Event.employee_id,
            Event.site_id,
            Event.feature_id,
            Event.local_day,
            Event.outcome,
            Event.duration_ms,
        )
    )
    for employee, site, feature, day, outcome, duration in rows:
        cell = cells[(employee, site, canonical.get(feature, feature), day)]
        if outcome == "error":
            cell[1] += 1
            continue
        cell[0] += 1
        if duration is not None:
            cell[2] += 1
            cell[3].append(math.log(max(duration, 1)))
    du = DailyUsage
    got = {
        tuple(row[:4]): tuple(row[4:])
        for row in session.execute(
            select(
                du.employee_id,
                du.site_id,
                du.feature_id,
                du.local_day,
                du.successes,
                du.errors,
                du.dur_n,
                du.dur_log_sum,
            )
        )
    }
    assert got.keys() == cells.keys()
    for key, (successes, errors, timed, logs) in cells.items():
        assert got[key][:3] == (successes, errors, timed), key
        assert got[key][3] == pytest.approx(math.fsum(logs), rel=1e-9, abs=1e-9), key
