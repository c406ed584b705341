"""Site adoption metrics, series and insights (DESIGN.md "Definitions", "Pilot comparison")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from adoption.usage.by_site import site_series
from adoption.usage.insights import insights
from adoption.usage.metrics import Window, site_metrics
from tests.adoption.reference import Reference
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.adoption.scoring.test_proficiency_properties import SLOW_DB, load_world, worlds

FIRST, LAST = date(2026, 11, 10), date(2026, 11, 16)  # a 7-day window


def metrics_of(scn: Scenario, code: str, first: date, last: date) -> dict:
    site = records.get_site(scn.session, code)
    return site_metrics(scn.session, [Window(site.id, first, last)], load_rules(scn.session))[0]


def d(day: int, month: int = 11) -> date:
    return date(2026, month, day)


@pytest.fixture
def store(session) -> Scenario:
    """S1 and S2 (UTC); core pos.sale and pos.void, non-core pos.login; S1's roster:

    A (always employed), B (left_on 11-10: last day in the window), C (left 11-09: before it),
    D (hired 11-16: the window's last day), E (hired 11-17: after it); F's home is S2.
    """
    scn = Scenario(session)
    scn.site("S1", go_live_on=d(2), wave=1).site("S2")
    scn.feature("pos.sale", is_core=True, expected_ms=1000).feature("pos.void", is_core=True)
    scn.feature("pos.login")
    scn.person("A", "S1").person("B", "S1", left_on=d(10)).person("C", "S1", left_on=d(9))
    scn.person("D", "S1", hired_on=d(16)).person("E", "S1", hired_on=d(17)).person("F", "S2")
    return scn


@pytest.fixture
def busy_store(store) -> Scenario:
    e = store.ev
    store.send(
        *(e("A", "pos.sale", d(k)) for k in (10, 11, 12)),
        e("A", "pos.sale", d(12), outcome="error"),
        e("A", "pos.sale", d(9), outcome="error"),  # before the window
        e("A", "pos.login", d(14), site="S2"),  # active elsewhere still counts
        e("B", "pos.void", d(10), times=3),
        e("B", "pos.void", d(10), outcome="error"),
        e("C", "pos.sale", d(9)),
        e("U", "pos.sale", d(13), site="S1"),  # unrostered
        e("U", "pos.sale", d(13), site="S1", outcome="error", times=2),
        e("F", "pos.sale", d(15), site="S1"),
        e("F", "pos.sale", d(15), site="S1", outcome="error"),
    )
    return store


def test_population_is_rostered_home_employees_employed_on_a_day_of_the_window(busy_store):
    # A, B (left_on 11-10 is employed on 11-10), D (hired 11-16); not C, E, unrostered U, nor F
    assert metrics_of(busy_store, "S1", FIRST, LAST)["population"] == 3
    assert busy_store.reference().population("S1", FIRST, LAST) == ["A", "B", "D"]


def test_adoption_rate_counts_members_active_anywhere_in_the_window(busy_store):
    got = metrics_of(busy_store, "S1", FIRST, LAST)
    # A and B active, D not → 2 ÷ 3
    assert (got["active"], got["adoption_rate"]) == (2, pytest.approx(2 / 3))


def test_stickiness_sums_daily_actives_over_days_times_active_members(busy_store):
    # A active 11-10, 11, 12, 14 (S2); B on 11-10 → (4 + 1) ÷ (7 days × 2 active) = 5/14
    assert metrics_of(busy_store, "S1", FIRST, LAST)["stickiness"] == pytest.approx(5 / 14)


def test_error_rate_covers_every_event_at_the_site_including_unrostered_people(busy_store):
    # at S1 in the window: A 3 ✓ 1 ✗, B 3 ✓ 1 ✗, U 1 ✓ 2 ✗, F 1 ✓ 1 ✗ → 5 ÷ 13
    # (A's 11-09 error is outside; A's S2 login is another site's)
    assert metrics_of(busy_store, "S1", FIRST, LAST)["error_rate"] == pytest.approx(5 / 13)


def test_mean_breadth_averages_over_the_population_with_inactive_people_at_zero(busy_store):
    # A: sale 3 ✓ → 1/2; B: void 3 ✓ → 1/2; D inactive → 0 → (0.5 + 0.5 + 0) ÷ 3 = 1/3
    assert metrics_of(busy_store, "S1", FIRST, LAST)["mean_breadth"] == pytest.approx(1 / 3)


def test_site_metrics_equal_the_reference_on_the_fixture(busy_store):
    got = metrics_of(busy_store, "S1", FIRST, LAST)
    want = busy_store.reference().site_metrics("S1", FIRST, LAST)
    assert got == pytest.approx(want)


def test_proficient_share_counts_the_level_on_the_last_day(store):
    e = store.ev
    store.send(
        e("A", "pos.sale", d(16), duration_ms=500, times=20),
        e("A", "pos.void", d(16), times=3),
    )
    # A on 11-16: b = 1, a = 24/25, s = 1, c = 1 → 35 + 24 + 20 + 20 = 99.00 Expert;
    # population A, B, D → 1 ÷ 3. On 11-15 (window ending then) nobody is proficient.
    assert metrics_of(store, "S1", FIRST, LAST)["proficient_share"] == pytest.approx(1 / 3)
    assert metrics_of(store, "S1", FIRST, d(15))["proficient_share"] == 0.0


def test_nobody_active_gives_null_stickiness_and_zero_rates(store):
    got = metrics_of(store, "S1", FIRST, LAST)
    assert got == {
        "population": 3,
        "active": 0,
        "adoption_rate": 0.0,
        "stickiness": None,
        "mean_breadth": 0.0,
        "error_rate": None,
        "proficient_share": 0.0,
    }


def test_series_by_day_gives_each_day_its_own_window(busy_store):
    site = records.get_site(busy_store.session, "S1")
    rules = load_rules(busy_store.session)
    points = site_series(
        busy_store.session, site, by="day", now=NOW, rules=rules, first=d(10), last=d(12)
    )
    assert [p["day"] for p in points] == [d(10), d(11), d(12)]
    ref = busy_store.reference()
    # population per day: 11-10 {A, B} (D is hired 11-16), both active → 1.0;
    # 11-11 {A} (B left_on 11-10) → 1.0; 11-12: A's sale success and error at S1 → 1/2
    assert [p["population"] for p in points] == [2, 1, 1]
    assert points[0]["adoption_rate"] == 1.0
    assert points[2]["error_rate"] == pytest.approx(1 / 2)
    for p in points:
        fields = {k: p[k] for k in ref.site_metrics("S1", p["day"], p["day"])}
        assert fields == pytest.approx(ref.site_metrics("S1", p["day"], p["day"]))


def test_series_by_week_since_go_live_lists_complete_weeks_only(busy_store):
    site = records.get_site(busy_store.session, "S1")
    rules = load_rules(busy_store.session)
    points = site_series(busy_store.session, site, by="week_since_go_live", now=NOW, rules=rules)
    # go-live 11-02; yesterday (NOW 11-20 12:00 UTC) is 11-19: week 1 = [11-09, 11-15] is the
    # last complete one, week 2 = [11-16, 11-22] is not
    assert points[-1]["week"] == 1
    assert (points[-1]["from"], points[-1]["to"]) == (d(9), d(15))
    week_0 = next(p for p in points if p["week"] == 0)
    assert (week_0["from"], week_0["to"]) == (d(2), d(8))
    ref = busy_store.reference().site_metrics("S1", d(9), d(15))
    assert {k: points[-1][k] for k in ref} == pytest.approx(ref)


def test_week_since_go_live_is_complete_by_the_site_local_calendar(session):
    Scenario(session).site("NZ", "Pacific/Auckland", go_live_on=d(7))
    site = records.get_site(session, "NZ")
    rules = load_rules(session)
    points = site_series(session, site, by="week_since_go_live", now=NOW, rules=rules)
    # NOW is 11-21 01:00 in Auckland, so yesterday there is 11-20 and week 1 [11-14, 11-20]
    # is complete (by UTC, whose yesterday is 11-19, week 0 would be the last)
    assert (points[-1]["week"], points[-1]["to"]) == (1, d(20))


# ---- insights ------------------------------------------------------------------------------


def _insights(scn: Scenario, codes: list[str], first: date, last: date) -> dict:
    sites = [records.get_site(scn.session, c) for c in codes]
    rules = load_rules(scn.session)
    return insights(scn.session, sites=sites, first=first, last=last, now=NOW, rules=rules)


def test_dormant_means_active_in_the_28_days_before_the_last_7_and_silent_in_them(store):
    store.person("G", "S1").person("H", "S1")
    e = store.ev
    store.send(
        e("A", "pos.sale", d(5)),  # last active 11-05 → dormant
        e("B", "pos.sale", d(20, 10)),  # left_on 11-10: still employed on a silent day
        e("D", "pos.sale", d(12, 10)),  # 10-12: before the 28-day look-back
        e("G", "pos.sale", d(13, 10)),  # 10-13: first day of the look-back → dormant
        e("H", "pos.sale", d(5)),
        e("H", "pos.login", d(12), site="S2"),  # active elsewhere in the last 7 → not
        e("U", "pos.sale", d(5), site="S1"),  # unrostered → not listed
    )
    # window ends 11-16: silent days [11-10, 11-16], look-back [10-13, 11-09]
    dormant = _insights(store, ["S1"], FIRST, LAST)["dormant_employees"]
    assert sorted(i["user_id"] for i in dormant) == ["A", "B", "G"]
    assert store.reference().dormant({"S1"}, LAST) == ["A", "B", "G"]
    a = next(i for i in dormant if i["user_id"] == "A")
    assert (a["last_active_day"], a["days_silent"]) == (d(5), 11)


def test_dormant_follows_design_for_someone_who_left_before_the_silent_days(store):
    store.send(store.ev("C", "pos.sale", d(20, 10)))
    # C (left_on 11-09) was active 10-20, in the look-back, and silent on 11-10..11-16
    dormant = _insights(store, ["S1"], FIRST, LAST)["dormant_employees"]
    assert store.reference().dormant({"S1"}, LAST) == ["C"]
    assert [i["user_id"] for i in dormant] == ["C"]


def test_error_hotspots_rank_by_error_rate_then_attempts(store):
    store.feature("pos.price", is_core=True).feature("inv.count").feature("inv.scan")
    e = store.ev
    store.send(
        e("A", "pos.sale", d(12), times=216),
        e("A", "pos.sale", d(12), outcome="error", times=24),  # 24 of 240 = 0.1: most errors
        e("A", "pos.void", d(12), times=14),
        e("A", "pos.void", d(12), outcome="error", times=6),  # 6 of 20 = 0.3
        e("A", "pos.price", d(12), times=28),
        e("A", "pos.price", d(12), outcome="error", times=12),  # 12 of 40 = 0.3, more attempts
        e("A", "inv.scan", d(12), times=17),
        e("A", "inv.scan", d(12), outcome="error", times=8),  # 8 of 25 = 0.32
        e("A", "inv.count", d(12), times=1),
        e("A", "inv.count", d(12), outcome="error", times=9),  # 10 attempts < 20: left out
    )
    spots = _insights(store, ["S1"], FIRST, LAST)["error_hotspots"]
    assert [(s["action"], s["errors"], s["attempts"]) for s in spots] == [
        ("inv.scan", 8, 25),
        ("pos.price", 12, 40),
        ("pos.void", 6, 20),
        ("pos.sale", 24, 240),
    ]
    assert spots[2]["error_rate"] == pytest.approx(0.3)


def test_unused_modules_lists_mapped_modules_without_or_with_rare_successes(store):
    store.feature("inv.count").feature("crm.lookup")
    e = store.ev
    store.send(
        e("A", "pos.sale", d(12), times=120),
        e("A", "crm.lookup", d(12)),  # 1 of 121 = 0.83 % < 1 %
        e("A", "zz.new", d(12), times=5),  # unmapped: not a module to report
    )
    unused = _insights(store, ["S1"], FIRST, LAST)["unused_modules"]
    assert [(u["module"], u["successes"]) for u in unused] == [("crm", 1), ("inv", 0)]


def test_unmapped_actions_are_counted_from_rollups_in_scope_and_window(store):
    e = store.ev
    store.send(
        e("A", "zz.new", d(12), times=4),
        e("A", "zz.new", d(13), outcome="error"),  # errors count as events too
        e("A", "zz.new", d(1), times=2),  # outside the window
        e("F", "zz.new", d(12)),  # at S2: outside the scope
        e("F", "yy.other", d(12)),
    )
    unmapped = _insights(store, ["S1"], FIRST, LAST)["unmapped_actions"]
    assert [(u["action"], u["events"]) for u in unmapped] == [("zz.new", 5), ("yy.other", 0)]


def test_sites_behind_their_wave_trail_its_median_adoption_rate(session):
    scn = Scenario(session)
    for code in ("W1", "W2", "W3"):
        scn.site(code, go_live_on=d(26, 10), wave=2)
        scn.person(f"{code}a", code).person(f"{code}b", code)
    scn.feature("pos.sale")
    e = scn.ev
    scn.send(
        e("W1a", "pos.sale", d(10)),
        e("W1b", "pos.sale", d(11)),
        e("W2a", "pos.sale", d(12)),
        e("W3a", "pos.sale", d(13)),
        e("W3b", "pos.sale", d(14)),
    )
    # go-live 10-26, yesterday 11-19 → last complete week 2 = [11-09, 11-15]
    # adoption: W1 2/2, W2 1/2, W3 2/2 → median 1.0; W2 trails by 0.5 ≥ 0.15
    behind = _insights(scn, ["W1", "W2", "W3"], FIRST, LAST)["sites_behind"]
    assert [(b["site_id"], b["week"], b["adoption_rate"], b["gap"]) for b in behind] == [
        ("W2", 2, 0.5, 0.5)
    ]


# ---- random worlds -------------------------------------------------------------------------


@SLOW_DB
@given(world=worlds(), start=st.integers(-2, 40), days=st.integers(1, 14))
def test_site_metrics_equal_the_reference_on_random_worlds(session, world, start, days):
    load_world(session, world)
    first = date(2026, 10, 1) + timedelta(days=start)
    last = first + timedelta(days=days - 1)
    ref = Reference(world)
    codes = list(world.sites)
    ids = [records.get_site(session, c).id for c in codes]
    got = site_metrics(session, [Window(i, first, last) for i in ids], load_rules(session))
    for code, row in zip(codes, got, strict=True):
        want = ref.site_metrics(code, first, last)
        assert row == pytest.approx(want, abs=1e-12), code
