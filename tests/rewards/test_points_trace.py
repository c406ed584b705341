"""Traceable ledger rows (docs/metrics.md "Points"): every feature row names its points config
version and the events that earned the key's total; `rewards.points_trace` lists them.

Events go through the real ingest path; the ledger is derived by the points job.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from adoption.errors import Invalid
from adoption.masterdata.records import get_employee
from adoption.models import Event, Feature
from rewards.badges import award_badges
from rewards.models import PointsLedger
from rewards.points import derive_points_job
from rewards.points_config import create_points_rules
from rewards.points_trace import (
    MAX_LISTED,
    points_rules,
    points_statement,
    recent_days,
    statement_window,
)
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at

DAY = date(2026, 11, 10)


@pytest.fixture
def scn(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1").site("S2").site("S3", tz="Pacific/Auckland")
    scn.person("E1", "S1").person("E3", "S3")
    return scn


def titled(scn: Scenario, action: str, title: str) -> None:
    """Feature titles are not written by the catalog's import yet: set on the row."""
    scn.session.scalars(select(Feature).where(Feature.action == action)).one().title = title
    scn.session.commit()


def derive(scn: Scenario) -> None:
    derive_points_job(scn.session, now=NOW)
    scn.session.commit()


def sale(scn: Scenario, hour: int, minute: int, event_id: str, site: str = "S1", **kw) -> dict:
    (ev,) = scn.ev("E1", kw.pop("action", "pos.sale"), at(DAY, hour, minute), site=site, **kw)
    return dict(ev, event_id=event_id)


def statement(scn: Scenario, user: str = "E1", first: date = DAY, last: date = DAY) -> dict:
    employee = get_employee(scn.session, user)
    return points_statement(scn.session, employee, first, last, now=NOW)


def internal_id(scn: Scenario, event_id: str) -> int:
    return scn.session.scalar(select(Event.id).where(Event.event_id == event_id))


def test_a_capped_day_lists_exactly_the_events_that_earned_its_points(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    # Sent out of time order, so internal ids do not follow occurred_at: 09:03 and 09:01 first.
    scn.send([sale(scn, 9, 3, "d"), sale(scn, 9, 1, "b")])
    scn.send([sale(scn, 9, 0, "a"), sale(scn, 9, 2, "c")])
    derive(scn)
    row = scn.session.scalars(select(PointsLedger)).one()
    # 09:00, 09:01, 09:02 earn 2 + 2 + 2 = 6 (the cap); 09:03 earns nothing.
    assert (row.points, row.event_count, row.config_version) == (6, 3, 1)
    assert (row.first_event_id, row.last_event_id) == (internal_id(scn, "a"), internal_id(scn, "c"))
    (listed,) = statement(scn)["rows"]
    assert listed["events"] == {"count": 3, "first": "a", "last": "c", "event_ids": ["a", "b", "c"]}
    assert listed["feature"] == {"action": "pos.sale", "title": None}


def test_each_site_lists_its_own_events_in_earning_order(scn):
    scn.feature("pos.sale", points=2, daily_cap=5)
    scn.send(
        [sale(scn, 11, 0, "s1-late"), sale(scn, 9, 0, "s1-early"), sale(scn, 10, 0, "s2", "S2")]
    )
    derive(scn)
    rows = {r["site_id"]: r for r in statement(scn)["rows"]}
    # 09:00 S1 earns 2, 10:00 S2 earns 2, 11:00 S1 earns the remaining 1.
    assert (rows["S1"]["points"], rows["S1"]["events"]["event_ids"]) == (3, ["s1-early", "s1-late"])
    assert (rows["S2"]["points"], rows["S2"]["events"]["event_ids"]) == (2, ["s2"])


def test_an_alias_is_listed_under_the_feature_it_counts_as(scn):
    scn.feature("pos.refund", points=3).feature("pos.refund.v2", alias_of="pos.refund")
    scn.send(
        [
            sale(scn, 9, 0, "old", action="pos.refund"),
            sale(scn, 9, 5, "new", action="pos.refund.v2"),
        ]
    )
    derive(scn)
    (row,) = statement(scn)["rows"]
    assert row["feature"]["action"] == "pos.refund"
    assert row["events"]["event_ids"] == ["old", "new"]


def test_a_correction_names_the_new_total_and_the_first_row_keeps_its_events(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    scn.send([sale(scn, 10, 0, "x"), sale(scn, 10, 1, "y")])
    derive(scn)
    scn.send([sale(scn, 9, 0, "early")])  # a late event, earlier in the day
    derive(scn)
    first, correction = statement(scn)["rows"]
    assert (first["points"], first["events"]["event_ids"]) == (4, ["x", "y"])
    assert correction["points"] == 2  # 6 − 4
    assert correction["events"] == {
        "count": 3,
        "first": "early",
        "last": "y",
        "event_ids": ["early", "x", "y"],
    }


def test_errors_and_events_past_the_cap_are_not_counted(scn):
    scn.feature("pos.sale", points=1, daily_cap=2)
    scn.send(
        [
            sale(scn, 9, 0, "err", outcome="error"),
            sale(scn, 9, 1, "ok1"),
            sale(scn, 9, 2, "ok2"),
            sale(scn, 9, 3, "past"),
        ]
    )
    derive(scn)
    (row,) = statement(scn)["rows"]
    assert row["events"]["event_ids"] == ["ok1", "ok2"]


def test_more_than_fifty_events_are_counted_but_not_listed(scn):
    scn.feature("pos.sale", points=1)
    count = MAX_LISTED + 1
    scn.send([sale(scn, 8 + n // 60, n % 60, f"e{n:03d}") for n in range(count)])
    derive(scn)
    (row,) = statement(scn)["rows"]
    assert row["events"] == {"count": count, "first": "e000", "last": "e050", "event_ids": None}
    assert row["points"] == count


def test_rows_name_the_points_config_version_they_were_booked_under(scn):
    scn.feature("pos.sale", points=1)
    scn.send([sale(scn, 9, 0, "a")])
    derive(scn)
    create_points_rules(scn.session, {"award_cap_per_month": 50}, now=NOW, actor="test")
    scn.session.commit()
    scn.send([sale(scn, 9, 1, "b")])
    derive(scn)
    assert [r["config_version"] for r in statement(scn)["rows"]] == [1, 2]


def test_badge_rows_name_the_config_version(scn):
    scn.feature("pos.sale", is_core=True, points=1)
    scn.send([sale(scn, 9, 0, "a")])
    award_badges(scn.session, now=NOW, as_of=DAY, points={"explorer": 5})
    scn.session.commit()
    row = scn.session.scalars(select(PointsLedger).where(PointsLedger.rule == "badge:explorer"))
    assert row.one().config_version == 1


def test_the_statement_sums_per_day_and_over_the_window(scn):
    scn.feature("pos.sale", points=2)
    scn.send([sale(scn, 9, 0, "a")], scn.ev("E1", "pos.sale", at(DAY + timedelta(days=2), 9)))
    derive(scn)
    got = statement(scn, first=DAY, last=DAY + timedelta(days=5))
    assert got["days"] == [
        {"local_day": DAY, "points": 2},
        {"local_day": DAY + timedelta(days=2), "points": 2},
    ]
    assert (got["total"], got["user_id"], got["site_id"]) == (4, "E1", "S1")


def test_the_default_window_is_this_month_at_the_home_site_through_today(scn):
    # NOW is 2026-11-20 12:00 UTC: already 11-21 in Auckland.
    auckland = get_employee(scn.session, "E3")
    assert statement_window(auckland, NOW, None, None) == (date(2026, 11, 1), date(2026, 11, 21))
    utc = get_employee(scn.session, "E1")
    assert statement_window(utc, NOW, None, None) == (date(2026, 11, 1), date(2026, 11, 20))


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(date(2026, 11, 2), date(2026, 11, 1), "from"), (date(2025, 1, 1), date(2026, 1, 2), "to")],
)
def test_a_reversed_or_too_long_window_is_refused_naming_the_field(scn, first, last, field):
    with pytest.raises(Invalid) as caught:
        statement_window(get_employee(scn.session, "E1"), NOW, first, last)
    assert list(caught.value.details) == [field]


def test_a_window_of_366_days_is_allowed(scn):
    employee = get_employee(scn.session, "E1")
    first = date(2025, 1, 1)
    assert statement_window(employee, NOW, first, date(2026, 1, 1)) == (first, date(2026, 1, 1))


def test_recent_days_list_each_day_with_its_features(scn):
    scn.feature("pos.sale", points=2, daily_cap=4)
    titled(scn, "pos.sale", "Ring up a sale")
    scn.send(scn.ev("E1", "pos.sale", at(date(2026, 11, 19), 9), times=3))
    derive(scn)
    days = recent_days(scn.session, get_employee(scn.session, "E1"), now=NOW)
    assert [d["local_day"] for d in days][:2] == [date(2026, 11, 20), date(2026, 11, 19)]
    assert len(days) == 7
    assert days[1]["parts"] == [{"action": "pos.sale", "title": "Ring up a sale", "points": 4}]
    assert days[1]["points"] == 4 and days[0] == {
        "local_day": date(2026, 11, 20),
        "points": 0,
        "parts": [],
    }


def test_points_rules_read_the_live_catalog_and_config(scn):
    scn.feature("pos.sale", points=2, daily_cap=6, is_core=True)
    scn.feature("pos.sale.v2", alias_of="pos.sale").feature("pos.help", points=0)
    titled(scn, "pos.sale", "Ring up a sale")
    rules = points_rules(scn.session)
    assert rules["features"] == [
        {
            "action": "pos.sale",
            "title": "Ring up a sale",
            "points": 2,
            "daily_cap": 6,
            "is_core": True,
            "aliases": ["pos.sale.v2"],
        }
    ]
    assert (rules["config"]["version"], rules["config"]["award_cap_per_month"]) == (1, 100)
