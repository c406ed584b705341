"""Pilot answers cached per worker (pilots.cache): the same answer as computing it, served again
while nothing it reads has changed, computed again after any write that could change it.

NOW is Friday 2026-11-20 12:00 UTC; the sites went live on Monday 11-02, so weeks 0
([11-02, 11-08]) and 1 ([11-09, 11-15]) are complete.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from adoption.generations import USAGE_HISTORY, generation_of
from adoption.jobs.models import JobRun
from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from pilots import readiness_rules, waves
from pilots.cache import PilotCache, cache_of, data_state
from pilots.curves import site_weeks
from pilots.report import comparison, comparison_of, pilots_page
from tests.adoption.scoring.test_proficiency import NOW, Scenario

GO_LIVE = date(2026, 11, 2)


@pytest.fixture
def chain(session) -> Scenario:
    """Pilots P1 (A and Y; A active in week 1) and P2 (B active), C1 of wave 1 (C active)."""
    scn = Scenario(session).feature("pos.sale", is_core=True)
    scn.site("P1", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    scn.site("P2", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    scn.site("C1", wave=1, go_live_on=GO_LIVE)
    scn.person("A", "P1").person("Y", "P1").person("B", "P2").person("C", "C1")
    scn.send(*(scn.ev(user, "pos.sale", date(2026, 11, 10)) for user in "ABC"))
    session.commit()
    return scn


def week_1(session) -> dict:
    return comparison(session, metric="adoption_rate", week=1, now=NOW, rules=load_rules(session))


def computed(session) -> dict:
    """The same answer computed without the cache."""
    rules = load_rules(session)
    table = site_weeks(session, metric="adoption_rate", now=NOW, rules=rules)
    return comparison_of(session, table, metric="adoption_rate", week=1, weighting="sites", seed=0)


def test_a_second_call_is_served_from_the_cache_and_equals_the_computation(chain):
    session = chain.session
    first = week_1(session)
    hits = cache_of(session).hits
    assert week_1(session) == first == computed(session)
    assert cache_of(session).hits > hits


def test_an_ingest_changes_the_cached_answer(chain):
    session = chain.session
    before = week_1(session)
    assert before["pilot"]["mean"] == pytest.approx(0.75)  # P1: 1 of 2 active, P2: 1 of 1
    chain.send(chain.ev("Y", "pos.sale", date(2026, 11, 12)))  # a late event in week 1
    after = week_1(session)
    assert after["pilot"]["mean"] == pytest.approx(1.0)
    assert after == computed(session) != before


def test_a_master_data_change_changes_the_cached_answer(chain):
    session = chain.session
    assert week_1(session)["control"]["n_sites"] == 1
    # At the clock of its creation: no timestamp moves, the master-data generation does.
    records.put_site(session, "C1", {"is_pilot": True}, now=NOW, actor="test", default_tz="UTC")
    session.commit()
    assert week_1(session)["control"]["n_sites"] == 0


def test_the_next_local_day_is_another_answer(chain):
    session = chain.session
    rules = load_rules(session)
    today = comparison(session, metric="adoption_rate", week=2, now=NOW, rules=rules)
    week_2_done = NOW + timedelta(days=3)  # Monday 11-23: week 2 [11-16, 11-22] is complete
    later = comparison(session, metric="adoption_rate", week=2, now=week_2_done, rules=rules)
    assert today["pilot"]["n_sites"] == 0 and later["pilot"]["n_sites"] == 2


def test_a_caller_changing_its_answer_changes_nobody_elses(chain):
    session = chain.session
    week_1(session)["pilot"]["mean"] = -1.0
    assert week_1(session)["pilot"]["mean"] == pytest.approx(0.75)


def test_a_readiness_rule_change_changes_the_cached_page(chain):
    session = chain.session
    assert pilots_page(session, now=NOW).gates[0]["rules"] == []
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.8, "weeks": 1}
    readiness_rules.add_rule(session, {**rule, "scope": "pilots"}, now=NOW, actor="test")
    session.commit()
    (gate,) = pilots_page(session, now=NOW).gates
    assert [r["failing_sites"] for r in gate["rules"]] == [["P1"]]


@pytest.mark.parametrize("change", ["event", "person", "wave", "rule"])
def test_every_write_the_answers_rest_on_changes_the_data_state(chain, change):
    session = chain.session
    before = data_state(session, NOW)
    if change == "event":
        chain.send(chain.ev("C", "pos.sale", date(2026, 11, 3)))
    elif change == "person":
        records.put_employee(session, "Y", {"left_on": date(2026, 11, 11)}, now=NOW)
    elif change == "wave":
        waves.put_wave(session, 2, {"name": "Second"}, now=NOW, actor="test")
    else:
        rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.5, "weeks": 1}
        readiness_rules.add_rule(session, {**rule, "scope": "pilots"}, now=NOW, actor="test")
    session.commit()
    assert data_state(session, NOW) != before


def test_a_finished_job_run_changes_the_data_state_whatever_its_clock_said(chain):
    session = chain.session
    session.add(JobRun(job="rollups", started_at=NOW, finished_at=NOW, outcome="ok"))
    session.commit()
    before = data_state(session, NOW)
    earlier = NOW - timedelta(hours=1)  # a machine whose clock is behind
    session.add(JobRun(job="rollups", started_at=earlier, finished_at=earlier, outcome="ok"))
    session.commit()
    assert data_state(session, NOW) != before


def test_a_newer_data_state_drops_the_answers_of_older_ones():
    cache = PilotCache()
    assert cache.get(("old",), ("a",), lambda: 1) == 1
    assert cache.get(("old",), ("a",), lambda: 2) == 1  # served
    assert cache.get(("new",), ("b",), lambda: 3) == 3
    assert cache.get(("old",), ("a",), lambda: 4) == 4  # computed again: it was dropped


def test_the_cache_keeps_its_most_recently_used_answers_up_to_its_size():
    cache = PilotCache(entries=2)
    for key, value in (("a", 1), ("b", 2), ("a", 1), ("c", 3)):  # "a" used again, "b" is oldest
        cache.get(("s",), (key,), lambda value=value: value)
    assert cache.get(("s",), ("a",), lambda: 0) == 1
    assert cache.get(("s",), ("b",), lambda: 0) == 0


def usage_history(session) -> int:
    return session.scalar(select(generation_of(USAGE_HISTORY)))


def test_only_a_new_late_event_raises_the_usage_history(chain):
    """Late: its local day had ended at its site when it was stored (NOW is 11-20 12:00 UTC)."""
    session = chain.session
    before = usage_history(session)
    chain.send(chain.ev("Y", "pos.sale", date(2026, 11, 20)))  # today at P1 (UTC)
    assert usage_history(session) == before
    late = chain.ev("Y", "pos.sale", date(2026, 11, 19))
    chain.send(late)
    assert usage_history(session) == before + 1
    chain.send(late)  # sent again: nothing stored, nothing raised
    assert usage_history(session) == before + 1


def test_a_late_event_by_its_sites_own_day(chain):
    """11-20 12:00 UTC is already 11-21 in Kiritimati: an event of 11-20 there is late."""
    session = chain.session
    chain.site("K1", "Pacific/Kiritimati", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    chain.person("K", "K1")
    session.commit()
    before = usage_history(session)
    chain.send(chain.ev("K", "pos.sale", date(2026, 11, 20)))
    assert usage_history(session) == before + 1


def test_an_event_of_a_day_still_going_on_changes_no_answer_and_keeps_the_cache(chain):
    session = chain.session
    page = pilots_page(session, metric="adoption_rate", now=NOW)
    state = data_state(session, NOW)
    chain.send(chain.ev("Y", "pos.sale", date(2026, 11, 20)), chain.ev("C", "pos.sale", NOW.date()))
    assert data_state(session, NOW) == state
    hits = cache_of(session).hits
    assert pilots_page(session, metric="adoption_rate", now=NOW) == page
    assert cache_of(session).hits > hits
    cache_of(session).clear()  # and computing it afresh gives the same page
    assert pilots_page(session, metric="adoption_rate", now=NOW) == page
    tomorrow = NOW + timedelta(days=1)  # once 11-20 has ended, its events count
    assert data_state(session, tomorrow) != state


def test_week_values_taken_from_the_pages_panel_equal_a_fresh_read(chain):
    """Targets and readiness gates on /pilots read their cells from the page's panel; weeks it
    does not hold (2 and 3 are not complete at NOW) are read."""
    from adoption.models import Site
    from pilots.curves import site_panel
    from pilots.measures import CATALOG, week_values

    session = chain.session
    rules = load_rules(session)
    metrics = set(CATALOG)
    panel = site_panel(session, metrics=metrics, now=NOW, rules=rules)
    sites = [s for s in session.scalars(select(Site)) if s.go_live_on]
    wanted = {site: range(4) for site in sites}
    fresh = week_values(session, wanted, metrics, rules)
    assert week_values(session, wanted, metrics, rules, panel) == fresh
    assert {week for _, week in fresh} == {0, 1, 2, 3}
    assert week_values(session, wanted, {"adoption_rate"}, rules, panel) == {
        key: {"population": v["population"], "adoption_rate": v["adoption_rate"]}
        for key, v in fresh.items()
    }
