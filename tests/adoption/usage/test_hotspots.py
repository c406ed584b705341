"""The chain's error hot spots (the rollout lead's /pilots page, GET /pilots/hotspots, `uptake
pilots hotspots`): the 28 local days ending on the chain's last complete day, at every site.

NOW is Friday 2026-11-20 12:00 UTC, so with UTC sites the last complete day is 11-19 and the
window is [10-23, 11-19] (28 days, both ends inclusive).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adoption.usage.insights import ChainHotspots, chain_hotspots, hotspot_window
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def test_window_is_the_28_days_ending_on_the_last_complete_day():
    assert hotspot_window(["UTC"], NOW) == (date(2026, 10, 23), date(2026, 11, 19))


def test_window_without_sites_is_in_utc():
    assert hotspot_window([], NOW) == (date(2026, 10, 23), date(2026, 11, 19))


def test_window_ends_where_the_day_has_ended_at_every_site():
    # 05:00 UTC: 14:00 on 11-20 in Tokyo, but 21:00 on 11-19 in Los Angeles (PST, UTC−8).
    # The chain's current day is 11-19, so the last complete day is 11-18; 27 days before: 10-22.
    early = datetime(2026, 11, 20, 5, tzinfo=UTC)
    zones = ["Asia/Tokyo", "America/Los_Angeles"]
    assert hotspot_window(zones, early) == (date(2026, 10, 22), date(2026, 11, 18))


@pytest.fixture
def chain(session) -> Scenario:
    scn = Scenario(session).site("S1").site("S2")
    for action in ("pos.sale", "pos.refund", "pos.void", "pos.login"):
        scn.feature(action)
    scn.person("A", "S1").person("B", "S2")
    e = scn.ev
    scn.send(
        # pos.sale: 20 attempts, 4 errors inside the window (on both of its ends) ...
        e("A", "pos.sale", date(2026, 10, 23), times=10),
        e("A", "pos.sale", date(2026, 10, 23), outcome="error", times=2),
        e("B", "pos.sale", date(2026, 11, 19), times=6),
        e("B", "pos.sale", date(2026, 11, 19), outcome="error", times=2),
        # ... and errors just outside it: the day before, and today (not over yet).
        e("A", "pos.sale", date(2026, 10, 22), outcome="error", times=5),
        e("A", "pos.sale", "2026-11-20T06:00:00Z", outcome="error", times=5),
        # pos.refund: 25 attempts, 4 errors (rate 0.16 < 0.2: after pos.sale).
        e("A", "pos.refund", date(2026, 11, 12), times=21),
        e("A", "pos.refund", date(2026, 11, 12), outcome="error", times=4),
        # pos.void: 19 attempts (under the minimum of 20); pos.login: no error.
        e("A", "pos.void", date(2026, 11, 10), times=15),
        e("A", "pos.void", date(2026, 11, 10), outcome="error", times=4),
        e("B", "pos.login", date(2026, 11, 10), times=30),
    )
    return scn


def test_chain_hotspots_cover_every_site_in_the_window_with_enough_attempts(chain):
    result = chain_hotspots(chain.session, NOW)
    assert isinstance(result, ChainHotspots)
    assert (result.first, result.last, result.min_attempts) == (
        date(2026, 10, 23),
        date(2026, 11, 19),
        20,
    )
    rows = [(h["action"], h["attempts"], h["errors"]) for h in result.items]
    assert rows == [("pos.sale", 20, 4), ("pos.refund", 25, 4)]
    assert [h["error_rate"] for h in result.items] == [pytest.approx(0.2), pytest.approx(0.16)]
    # pos.sale failed at S1 (A) and S2 (B); pos.refund at S1 only.
    assert [h["error_sites"] for h in result.items] == [2, 1]


def test_chain_hotspots_without_sites_are_empty(session):
    result = chain_hotspots(session, NOW)
    assert (result.first, result.last, result.items) == (date(2026, 10, 23), date(2026, 11, 19), [])
