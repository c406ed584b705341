"""A wave's status and go-live dates (pilots.waves.wave_status, docs/metrics.md "Wave status"):
planned, canary_live, partly_live or live, from the sites' own go_live_on in their time zones.
NOW is Fri 2026-11-20 12:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pilots.waves import get_wave, list_waves, put_wave, wave_status
from tests.pilots.waves_world import CODES, ten_sites

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PAST, TODAY, FUTURE = date(2026, 11, 2), date(2026, 11, 20), date(2026, 12, 7)


@pytest.fixture
def wave(session, make_site):
    """Wave 3: S001 … S010 with a canary share of 0.2 (two canaries), nobody live yet."""
    ten_sites(make_site)
    put_wave(session, 3, {"sites": CODES, "canary_share": 0.2}, now=NOW, actor="t")
    session.commit()
    return get_wave(session, 3, now=NOW)


def go_live(make_site, codes, day):
    for code in codes:
        make_site(code, go_live_on=day)


def status_of(session) -> tuple:
    w = get_wave(session, 3, now=NOW)
    return w["status"], w["sites_live"], w["first_go_live_on"], w["full_go_live_on"]


def test_a_wave_without_a_live_site_is_planned(session, wave):
    assert status_of(session) == ("planned", 0, None, None)


def test_a_go_live_day_still_to_come_does_not_make_a_site_live(session, wave, make_site):
    go_live(make_site, CODES, FUTURE)
    assert status_of(session) == ("planned", 0, None, None)


def test_only_canaries_live_is_canary_live_with_their_go_live_as_first(session, wave, make_site):
    first, second = wave["canary_sites"]
    go_live(make_site, [first], PAST)
    go_live(make_site, [second], TODAY)  # today counts: the site is live from its go-live day
    assert status_of(session) == ("canary_live", 2, PAST, None)


def test_one_canary_of_two_live_is_still_canary_live(session, wave, make_site):
    go_live(make_site, wave["canary_sites"][:1], PAST)
    assert status_of(session)[:2] == ("canary_live", 1)


def test_a_non_canary_live_before_the_wave_is_done_is_partly_live(session, wave, make_site):
    others = [c for c in CODES if c not in wave["canary_sites"]]
    go_live(make_site, [*wave["canary_sites"], others[0]], PAST)
    assert status_of(session) == ("partly_live", 3, PAST, None)


def test_every_site_live_is_live_and_full_go_live_is_the_last_sites(session, wave, make_site):
    go_live(make_site, wave["canary_sites"], PAST)
    go_live(make_site, [c for c in CODES if c not in wave["canary_sites"]], date(2026, 11, 9))
    assert status_of(session) == ("live", 10, PAST, date(2026, 11, 9))


def test_without_a_canary_plan_some_sites_live_is_partly_live(session, make_site):
    make_site("S001", go_live_on=PAST)
    make_site("S002")
    put_wave(session, 1, {"sites": ["S001", "S002"]}, now=NOW, actor="t")
    assert get_wave(session, 1, now=NOW)["status"] == "partly_live"


def test_live_is_judged_in_the_sites_time_zone(session, make_site):
    # 12:00 UTC on 11-20 is 02:00 on 11-20 in Honolulu (UTC−10), 02:00 on 11-21 in Kiritimati
    # (UTC+14).
    make_site("S001", timezone="Pacific/Honolulu", go_live_on=TODAY)
    make_site("S002", timezone="Pacific/Kiritimati", go_live_on=date(2026, 11, 21))  # UTC+14
    make_site("S003", timezone="Pacific/Honolulu", go_live_on=date(2026, 11, 21))
    put_wave(session, 1, {"sites": ["S001", "S002", "S003"]}, now=NOW, actor="t")
    wave = get_wave(session, 1, now=NOW)
    # S001 (11-20 in Honolulu) and S002 (11-21 in Kiritimati) are live; S003 (11-21) is not.
    assert (wave["status"], wave["sites_live"]) == ("partly_live", 2)


def test_a_wave_without_sites_is_planned():
    assert wave_status([], None, NOW) == {
        "status": "planned",
        "sites_live": 0,
        "first_go_live_on": None,
        "full_go_live_on": None,
    }


def test_the_list_gives_each_wave_its_status(session, make_site):
    make_site("S001", go_live_on=PAST, wave=0)
    make_site("S002", wave=1)
    listed = list_waves(session, limit=10, now=NOW)
    assert [(w["wave"], w["status"]) for w in listed] == [(0, "live"), (1, "planned")]
