"""Mapping an action as an admin does it (`feature_records.map_feature`: the admin page and PUT
/features/{action}), the admin's mapping queue, and the roster filter of the employee list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adoption.errors import Invalid
from adoption.masterdata import feature_records, records
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def test_points_not_given_is_1_on_create(session):
    feature, created = feature_records.map_feature(
        session, "pos.giftcard", {"is_core": True}, now=NOW
    )
    assert (created, feature.points, feature.mapped, feature.is_core) == (True, 1, True, True)


def test_points_not_given_keeps_the_stored_value_on_replace(session):
    feature_records.map_feature(session, "pos.giftcard", {"points": 5}, now=NOW)
    feature, created = feature_records.map_feature(
        session, "pos.giftcard", {"daily_cap": 3}, now=NOW
    )
    assert (created, feature.points, feature.daily_cap) == (False, 5, 3)


def test_points_not_given_is_1_when_mapping_an_action_seen_in_events(session):
    # Registered by ingest as a placeholder: not mapped, 0 points.
    scn = Scenario(session).site("S1")
    scn.person("A", "S1")
    scn.send(scn.ev("A", "pos.giftcard", date(2026, 11, 19)))
    placeholder = feature_records.get_feature(session, "pos.giftcard")
    assert (placeholder.mapped, placeholder.points) == (False, 0)
    feature, created = feature_records.map_feature(
        session, "pos.giftcard", {"is_core": True}, now=NOW
    )
    assert (created, feature.mapped, feature.points) == (False, True, 1)


def test_points_0_given_is_0(session):
    feature, _ = feature_records.map_feature(session, "pos.giftcard", {"points": 0}, now=NOW)
    assert feature.points == 0


def test_alias_of_a_known_action_is_stored_lower_case(session):
    feature_records.map_feature(session, "pos.giftcard", {}, now=NOW)
    feature, _ = feature_records.map_feature(
        session, "pos.giftcard.v2", {"alias_of": " POS.Giftcard "}, now=NOW
    )
    assert feature.alias_of == "pos.giftcard"


def test_alias_of_an_unknown_action_is_refused_naming_alias_of(session):
    feature_records.map_feature(session, "pos.giftcard", {}, now=NOW)
    with pytest.raises(Invalid) as raised:
        feature_records.map_feature(
            session, "pos.giftcard.v2", {"alias_of": "pos.giftcrad"}, now=NOW
        )
    assert raised.value.details == {"alias_of": ["No feature 'pos.giftcrad'."]}
    assert feature_records.list_features(session, limit=10) == [
        feature_records.get_feature(session, "pos.giftcard")
    ]


def test_alias_of_itself_is_refused_naming_alias_of(session):
    with pytest.raises(Invalid) as raised:
        feature_records.map_feature(session, "pos.giftcard", {"alias_of": "POS.Giftcard"}, now=NOW)
    assert list(raised.value.details) == ["alias_of"]


def test_alias_of_none_clears_it(session):
    feature_records.map_feature(session, "pos.giftcard", {}, now=NOW)
    feature_records.map_feature(session, "pos.giftcard.v2", {"alias_of": "pos.giftcard"}, now=NOW)
    feature, _ = feature_records.map_feature(
        session, "pos.giftcard.v2", {"alias_of": None}, now=NOW
    )
    assert feature.alias_of is None


def test_mapping_queue_counts_events_over_28_days_ending_on_the_chains_current_day(session):
    # NOW 2026-11-20 12:00 UTC; UTC sites: the chain's current day is 11-20; 27 days before: 10-24.
    scn = Scenario(session).site("S1").feature("pos.sale")
    scn.person("A", "S1")
    scn.send(
        scn.ev("A", "pos.giftcard", date(2026, 10, 23)),  # the day before the window
        scn.ev("A", "pos.giftcard", date(2026, 10, 24), times=2),
        scn.ev("A", "pos.giftcard", "2026-11-20T06:00:00Z", times=3),  # today counts
        scn.ev("A", "pos.sale", date(2026, 11, 19)),
    )
    queue = feature_records.mapping_queue(session, NOW)
    assert (queue.first, queue.last, queue.window_days) == (date(2026, 10, 24), NOW.date(), 28)
    assert [(w["action"], w["events"]) for w in queue.waiting] == [("pos.giftcard", 5)]
    assert queue.mapped == ["pos.sale"]


def test_mapping_queue_uses_the_site_furthest_behind(session):
    # 05:00 UTC on 11-20 is still 11-19 in Los Angeles: the window ends on 11-19.
    Scenario(session).site("LAX", tz="America/Los_Angeles").site("TOK", tz="Asia/Tokyo")
    queue = feature_records.mapping_queue(session, datetime(2026, 11, 20, 5, tzinfo=UTC))
    assert (queue.first, queue.last) == (date(2026, 10, 23), date(2026, 11, 19))


def test_employee_list_filters_by_roster(session):
    scn = Scenario(session).site("S1").feature("pos.sale")
    scn.person("A", "S1")
    scn.send(scn.ev("A", "pos.sale", date(2026, 11, 19)))
    scn.send(scn.ev("U", "pos.sale", date(2026, 11, 19), site="S1"))  # known from events only
    ids = {
        flag: [e.external_id for e in records.list_employees(session, limit=10, rostered=flag)]
        for flag in (None, True, False)
    }
    assert ids == {None: ["A", "U"], True: ["A"], False: ["U"]}
