"""The weekly panel (pilots.weekly) gives, for every (site, week since go-live), the numbers the
per-window computation gave (tests/pilots/weekly_reference.py), bit for bit; and
`pilots.survival.km_medians` is `km_median` per group.

The world has the awkward cases: sites in three time zones going live on different weekdays,
people hired or gone mid-history, someone working at another site, an unrostered user, an alias
mapped after its events, error-only days, events before go-live.
NOW is Friday 2026-11-20 12:00 UTC.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adoption.calendar import last_complete_week
from adoption.models import Site
from adoption.scoring.rules import load_rules
from pilots.survival import km_median, km_medians
from pilots.weekly import FIELDS, cells_of, panel_metrics
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.pilots.weekly_reference import reference, same

GO_LIVE = {"P1": date(2026, 10, 12), "P2": date(2026, 10, 21), "C1": date(2026, 10, 30)}


@pytest.fixture
def world(session) -> Scenario:
    scn = Scenario(session)
    scn.feature("pos.sale", is_core=True, expected_ms=3000)
    scn.feature("pos.refund", is_core=True, expected_ms=5000)
    scn.feature("pos.refund.v2")  # mapped to pos.refund after its events
    scn.feature("pos.help")
    scn.site("P1", is_pilot=True, go_live_on=GO_LIVE["P1"], region="North")
    scn.site("P2", "America/New_York", is_pilot=True, go_live_on=GO_LIVE["P2"], region="South")
    scn.site("C1", "Asia/Tokyo", go_live_on=GO_LIVE["C1"], region="South")
    scn.site("C2")  # no go-live: not in the panel
    scn.person("A", "P1").person("B", "P1", hired_on=date(2026, 10, 28))
    scn.person("C", "P1", left_on=date(2026, 10, 30)).person("D", "P2").person("E", "C1")
    scn.person("F", "P2").person("G", "C1", hired_on=date(2026, 11, 19)).person("H", "C2")
    events = []
    for i, day in enumerate(_days(date(2026, 10, 1), date(2026, 11, 19))):
        if i % 2 == 0:
            events += scn.ev("A", "pos.sale", day, times=2, duration_ms=2500 + 100 * i)
            events += scn.ev("A", "pos.refund.v2", day)
        if i % 3 == 0 and day >= date(2026, 10, 29):
            events += scn.ev("B", "pos.refund", day, times=3)
            events += scn.ev("C", "pos.sale", day)  # after C left: not in any population
        if i % 4 == 1:
            events += scn.ev("D", "pos.sale", day, times=4)
            events += scn.ev("F", "pos.sale", day, site="P1")  # at another site
            events += scn.ev("E", "pos.help", day)
        if i % 5 == 2:
            events += scn.ev("E", "pos.sale", day, outcome="error", times=2)  # error-only days
            events += scn.ev("D", "pos.refund", day, outcome="error")
        if i % 6 == 3:
            events += scn.ev("U", "pos.sale", day, site="C1")  # unknown: unrostered
    scn.send(events)
    scn.feature("pos.refund.v2", alias_of="pos.refund")
    scn.session.commit()
    return scn


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _cells(session):
    sites = [s for s in session.scalars(select(Site).order_by(Site.code_key)) if s.go_live_on]
    return cells_of(sites, {s.id: last_complete_week(s.go_live_on, s.timezone, NOW) for s in sites})


def test_cells_are_each_sites_weeks_from_eight_before_go_live_to_the_last_complete(world):
    cells = _cells(world.session)
    codes = {s.id: s.code for s in world.session.scalars(select(Site))}
    weeks = {}
    for site, week in zip(cells.site.tolist(), cells.week.tolist(), strict=True):
        weeks.setdefault(codes[site], []).append(week)
    # Yesterday is 11-19 everywhere. C1 (Thu 10-30): week 2 ends 11-12 + 6 = 11-18, week 3 is
    # open; P1 (Mon 10-12): week 4 ends 11-15; P2 (Wed 10-21): week 3 ends 11-17.
    assert list(weeks) == ["C1", "P1", "P2"]  # in code order
    assert weeks == {
        "C1": list(range(-8, 3)),
        "P1": list(range(-8, 5)),
        "P2": list(range(-8, 4)),
    }
    assert date.fromordinal(int(cells.first[8])) == GO_LIVE["C1"]
    assert date.fromordinal(int(cells.last[-1])) == GO_LIVE["P2"] + timedelta(days=27)


@pytest.mark.parametrize("metric", ["population", *FIELDS])
def test_every_metric_is_the_per_window_computations(world, metric):
    session = world.session
    rules = load_rules(session)
    cells = _cells(session)
    found = panel_metrics(session, cells, {metric} - {"population"}, rules)[metric]
    expected = reference(session, cells, metric, rules)
    assert found.dtype.kind in "if"  # numbers, not Decimals or objects
    assert same(found, expected), list(zip(found.tolist(), expected, strict=True))
    if metric in ("adoption_rate", "error_rate", "mean_breadth"):
        assert np.isfinite(found).sum() >= 10  # the comparison rests on real values


def test_no_cells_is_an_empty_panel(world):
    empty = cells_of([], {})
    assert panel_metrics(world.session, empty, {"adoption_rate"}, load_rules(world.session)) == {
        "population": pytest.approx([]),
        "adoption_rate": pytest.approx([]),
    }


spells = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 30), st.booleans()), min_size=0, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(spells)
def test_km_medians_are_km_median_of_each_group(rows):
    group = np.array([g for g, _, _ in rows], dtype=np.int64)
    times = np.array([t for _, t, _ in rows], dtype=np.int64)
    observed = np.array([e for _, _, e in rows], dtype=bool)
    found = km_medians(group, times, observed, 5)
    for g in range(5):
        mine = group == g
        expected = km_median(times[mine].tolist(), observed[mine].tolist())
        assert (np.isnan(found[g]) and expected is None) or found[g] == expected
