"""The rollout lead's /pilots page as one read model (`pilots.report.pilots_page`): the default
week, each wave's gate with its failing sites, and the chain's hot spots.

NOW is Friday 2026-11-20 12:00 UTC (UTC sites: the last complete day is 11-19). The sites went
live on Monday 11-02: week 0 = [11-02, 11-08] and week 1 = [11-09, 11-15] are complete.
"""

from __future__ import annotations

from datetime import date

import pytest

from adoption.errors import Invalid
from pilots import readiness_rules
from pilots.report import PilotsPage, failing_sites, pilots_page
from tests.adoption.scoring.test_proficiency import NOW, Scenario

GO_LIVE = date(2026, 11, 2)


def test_failing_sites_are_the_sites_with_evidence_that_did_not_pass_once_each_sorted():
    evidence = [
        {"site_id": "S2", "passed": False},
        {"site_id": "S1", "passed": False},
        {"site_id": "S1", "passed": False},  # another week of S1
        {"site_id": "S3", "passed": True},
        {"site_id": None, "passed": False},  # chain-wide, e.g. no site in scope
    ]
    assert failing_sites(evidence) == ["S1", "S2"]


def test_no_failing_evidence_names_no_site():
    assert failing_sites([{"site_id": "S1", "passed": True}]) == []
    assert failing_sites([]) == []


@pytest.fixture
def chain(session) -> Scenario:
    """Pilots P1 (everyone active: adoption 1.0) and P2 (one of two: 0.5), C1 of wave 1."""
    scn = Scenario(session).feature("pos.sale", is_core=True)
    scn.site("P1", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    scn.site("P2", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    scn.site("C1", wave=1, go_live_on=GO_LIVE)
    scn.person("A", "P1").person("B", "P2").person("X", "P2").person("C", "C1")
    scn.send(
        *(scn.ev(user, "pos.sale", date(2026, 11, day)) for user in "ABC" for day in (3, 10)),
    )
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.8, "weeks": 2}
    readiness_rules.add_rule(session, {**rule, "scope": "pilots"}, now=NOW, actor="test")
    session.commit()
    return scn


def test_page_defaults_to_the_latest_week_with_both_sides(chain):
    page = pilots_page(chain.session, now=NOW)
    assert isinstance(page, PilotsPage)
    assert (page.metric, page.weighting, page.seed) == ("adoption_rate", "sites", 0)
    assert page.week == page.effects[-1]["week"] == 1
    assert page.comparison["week"] == 1
    assert page.comparison["pilot"] == {"n_sites": 2, "mean": pytest.approx(0.75)}
    assert page.comparison["control"] == {"n_sites": 1, "mean": pytest.approx(1.0)}


def test_an_asked_for_week_is_kept_even_without_data(chain):
    page = pilots_page(chain.session, week=40, now=NOW)
    assert page.week == 40 and 40 in page.weeks
    assert page.comparison["pilot"]["n_sites"] == 0


def test_gate_of_wave_1_names_its_failing_sites(chain):
    (gate,) = pilots_page(chain.session, now=NOW).gates
    assert (gate["wave"], gate["decision"]) == (1, "no_go")
    assert [r["failing_sites"] for r in gate["rules"]] == [["P2"]]


def test_page_hot_spots_are_the_chains(chain):
    hotspots = pilots_page(chain.session, now=NOW).hotspots
    assert (hotspots.first, hotspots.last, hotspots.items) == (
        date(2026, 10, 23),
        date(2026, 11, 19),
        [],
    )


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"metric": "bogus"}, "metric"),
        ({"week": 105}, "week"),
        ({"weighting": "people"}, "weighting"),
    ],
)
def test_an_unknown_choice_is_invalid_naming_it(session, choice, field):
    with pytest.raises(Invalid) as raised:
        pilots_page(session, now=NOW, **choice)
    assert list(raised.value.details) == [field]
