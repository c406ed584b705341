"""The feature catalogue's reads: pages, filters, and whose breadth a core flag changes, on a
hand-computed world cross-checked with the proficiency score's own breadth."""

from __future__ import annotations

from datetime import date

import pytest

from adoption.masterdata import feature_catalogue, feature_records, records
from adoption.scoring.components import score_frame
from adoption.scoring.rules import load_rules
from tests.adoption.scoring.test_proficiency import NOW, Scenario

# NOW is 2026-11-20 12:00 UTC: every site is UTC, so the last complete day is 2026-11-19 and
# the 28-day window is [2026-10-23, 2026-11-19].
LAST = date(2026, 11, 19)
IN = date(2026, 11, 10)
OUT = date(2026, 10, 1)


@pytest.fixture
def world(session) -> Scenario:
    """Core: pos.sale, pos.refund (n = 2); pos.refund.v2 counts as pos.refund.

    | person | mastered (≥ 3 successes in the window)   | core k | breadth |
    | A      | sale, refund, giftcard                   | 2      | 1       |
    | B      | sale (giftcard only 2 times)             | 1      | 1/2     |
    | C      | giftcard                                 | 0      | 0       |
    | D      | refund (as pos.refund.v2)                | 1      | 1/2     |
    | E      | nothing (sale 2 times)                   | 0      | 0       |
    | F      | nothing (sale, giftcard before window)   | 0      | 0       |
    """
    s = Scenario(session).site("S001")
    for person in "ABCDEF":
        s.person(person, "S001")
    s.feature("pos.sale", is_core=True, module="pos")
    s.feature("pos.refund", is_core=True, module="pos", title="Process a return")
    s.feature("pos.refund.v2", alias_of="pos.refund", module="pos")
    s.feature("pos.giftcard", module="giftcards")
    s.feature("pos.stock", module="stock")
    s.send(
        s.ev("A", "pos.sale", IN, times=3),
        s.ev("A", "pos.refund", IN, times=3),
        s.ev("A", "pos.giftcard", IN, times=3),
        s.ev("B", "pos.sale", IN, times=3),
        s.ev("B", "pos.giftcard", IN, times=2),
        s.ev("C", "pos.giftcard", IN, times=3),
        s.ev("D", "pos.refund.v2", IN, times=3),
        s.ev("E", "pos.sale", IN, times=2),
        s.ev("F", "pos.sale", OUT, times=3),
        s.ev("F", "pos.giftcard", OUT, times=3),
    )
    return s


def effect(session, action):
    return feature_catalogue.core_flag_effect(session, action, NOW)


def test_making_a_feature_core_counts_everyone_whose_breadth_moves(session, world):
    # giftcard joins (n 2 → 3): A 1 → 3/3 (same), B 1/2 → 1/3, C 0 → 1/3, D 1/2 → 1/3.
    e = effect(session, "pos.giftcard")
    assert (e.make_core, e.changed, e.users, e.counts_as) == (True, 3, 2, None)
    assert (e.first, e.last, e.window_days, e.min_successes) == (
        date(2026, 10, 23),
        LAST,
        28,
        3,
    )


def test_a_core_feature_nobody_uses_still_changes_the_breadth_of_those_with_one(session, world):
    # stock joins: A 1 → 2/3, B 1/2 → 1/3, D 1/2 → 1/3; C stays 0.
    e = effect(session, "pos.stock")
    assert (e.make_core, e.changed, e.users) == (True, 3, 0)


def test_uncoring_counts_alias_users_as_users_of_the_target(session, world):
    # refund leaves (n 2 → 1): A 1 → 1/1 (same), B 1/2 → 1, D 1/2 → 0.
    e = effect(session, "pos.refund")
    assert (e.make_core, e.changed, e.users) == (False, 2, 2)


def test_an_alias_flag_changes_no_breadth(session, world):
    e = effect(session, "pos.refund.v2")
    assert (e.make_core, e.changed, e.users, e.counts_as) == (True, 0, 2, "pos.refund")


def test_unknown_action_has_no_effect(session, world):
    assert effect(session, "pos.nothing") is None


def test_with_no_core_feature_only_its_masters_change(session):
    s = Scenario(session).site("S001").person("A", "S001").person("B", "S001")
    s.feature("pos.a").feature("pos.b")
    s.send(s.ev("A", "pos.a", IN, times=3), s.ev("B", "pos.b", IN, times=3))
    e = effect(session, "pos.a")
    assert (e.changed, e.users) == (1, 1)  # A 0 → 1; B stays 0 (0 of 1)


@pytest.mark.parametrize("action", ["pos.giftcard", "pos.stock", "pos.refund", "pos.sale"])
def test_the_count_agrees_with_the_score_breadth(session, world, action):
    """Flip the flag for real and count whose breadth (score_frame) moved on the last day."""
    e = effect(session, action)
    before = breadths(session)
    feature_records.put_feature(session, action, {"is_core": e.make_core}, now=NOW)
    after = breadths(session)
    assert e.changed == sum(before[p] != after[p] for p in before)


def breadths(session) -> dict[str, float]:
    ids = {records.get_employee(session, p).id: p for p in "ABCDEF"}
    frame = score_frame(session, list(ids), LAST, LAST, load_rules(session))
    return {ids[row.employee_id]: row.breadth for row in frame.itertuples()}


def test_catalogue_pages_filters_and_counts(session, world):
    page = feature_catalogue.catalogue_page(session, NOW, limit=2)
    assert [f.action for f in page.features] == ["pos.giftcard", "pos.refund"]
    assert (page.total, page.next_after, page.unmapped) == (5, "pos.refund", 0)
    assert page.modules == ["giftcards", "pos", "stock"]
    assert page.effects["pos.giftcard"].changed == 3
    rest = feature_catalogue.catalogue_page(session, NOW, after=page.next_after, limit=2)
    assert [f.action for f in rest.features] == ["pos.refund.v2", "pos.sale"]
    by_module = feature_catalogue.catalogue_page(session, NOW, module="pos")
    assert [f.action for f in by_module.features] == ["pos.refund", "pos.refund.v2", "pos.sale"]
    by_title = feature_catalogue.catalogue_page(session, NOW, search="RETURN")
    assert [f.action for f in by_title.features] == ["pos.refund"]
    wildcard = feature_catalogue.catalogue_page(session, NOW, search="%")
    assert wildcard.features == []


def test_unmapped_actions_stay_out_of_the_catalogue(session, world):
    world.send(world.ev("A", "pos.new.thing", IN))
    page = feature_catalogue.catalogue_page(session, NOW)
    assert "pos.new.thing" not in [f.action for f in page.features]
    assert page.unmapped == 1
