"""The pilot comparison and time to proficiency (pilots.report, pilots.survival) on a simulated
chain; the same over HTTP, with the charts, is in tests/http/test_pilot_chain.py.

Every test here only reads, so the module shares one seeded database per back end.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.calendar import last_complete_week
from adoption.errors import Invalid
from adoption.models import Site
from adoption.scoring.rules import load_rules
from pilots.curves import METRICS, site_weeks
from pilots.report import comparison
from pilots.survival import time_to_proficiency
from pilots.weekly import cells_of
from tests.conftest import BACKENDS
from tests.pilots.chain import CURVE_KEYS, NOW, seeded_database
from tests.pilots.weekly_reference import reference, same


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request, tmp_path_factory):
    yield from seeded_database(request, tmp_path_factory)


@pytest.fixture
def chain(session):
    """The seeded chain (see tests.pilots.chain)."""
    return session


def test_comparison_has_the_contract_shape_and_caveats(chain, session):
    result = comparison(session, metric="adoption_rate", week=1, now=NOW, rules=load_rules(session))
    assert {"metric", "week", "pilot", "control", "effect", "curve", "caveats"} <= set(result)
    assert result["pilot"]["n_sites"] == 3 and result["control"]["n_sites"] == 1
    effect = result["effect"]
    assert set(effect) == {
        *("estimate", "ci_low", "ci_high", "p_value", "p_value_mc_se", "method"),
        *("perm_ci_low", "perm_ci_high"),  # the interval verdicts use (pilots.comparison)
    }
    # The simulation plants faster adoption at pilots.
    assert effect["estimate"] == pytest.approx(result["pilot"]["mean"] - result["control"]["mean"])
    assert effect["estimate"] > 0 and effect["ci_low"] <= effect["estimate"] <= effect["ci_high"]
    assert effect["p_value"] == pytest.approx(0.25)  # C(4, 3) = 4 relabellings, observed the top
    assert "exact enumeration" in effect["method"] and "weighting=sites" in effect["method"]
    caveats = " ".join(result["caveats"])
    assert "Fewer than 5 sites on the pilot side at week 1 (3)" in caveats
    assert "Fewer than 5 sites on the non-pilot side at week 1 (1)" in caveats
    assert "Sites without go_live_on are left out: S099" in caveats
    assert "Sites drop out of the non-pilot curve in week 3" in caveats


def test_comparison_curve_counts_sites_per_week_including_negative_weeks(chain, session):
    curve = comparison(session, metric="adoption_rate", week=0, now=NOW, rules=load_rules(session))[
        "curve"
    ]
    assert all(set(row) == CURVE_KEYS for row in curve)
    by_week = {row["week"]: row for row in curve}
    assert min(by_week) == -8 and max(by_week) == 3
    assert (by_week[0]["n_pilot"], by_week[0]["n_control"]) == (3, 1)
    assert (by_week[3]["n_pilot"], by_week[3]["n_control"]) == (3, 0)  # S003's week 3 is open
    assert by_week[-1]["pilot_mean"] == 0  # nobody uses the system before go-live
    assert by_week[2]["pilot_q1"] <= by_week[2]["pilot_q3"]


@pytest.mark.parametrize("metric", METRICS)
def test_site_weeks_are_the_per_window_computations_of_each_metric(chain, session, metric):
    rules = load_rules(session)
    table = site_weeks(session, metric=metric, now=NOW, rules=rules)
    sites = [s for s in session.scalars(select(Site).order_by(Site.code_key)) if s.go_live_on]
    last = {s.id: last_complete_week(s.go_live_on, s.timezone, NOW) for s in sites}
    cells = cells_of(sites, last)
    assert table["week"].tolist() == cells.week.tolist()
    assert same(table["value"].to_numpy(), reference(session, cells, metric, rules))


def test_rostered_weighting_weights_the_site_values_by_population(chain, session):
    result = comparison(
        session,
        metric="adoption_rate",
        week=1,
        weighting="rostered",
        now=NOW,
        rules=load_rules(session),
    )
    pilots = [s for s in result["sites"] if s["is_pilot"]]
    weighted = sum(s["value"] * s["population"] for s in pilots) / sum(
        s["population"] for s in pilots
    )
    assert result["pilot"]["mean"] == pytest.approx(weighted)
    assert "weighting=rostered" in result["effect"]["method"]


def test_time_to_first_use_is_shorter_at_pilots(chain, session):
    result = comparison(
        session, metric="time_to_first_use", week=1, now=NOW, rules=load_rules(session)
    )
    assert result["unit"] == "days"
    assert result["effect"]["estimate"] < 0


def test_time_to_proficiency_gives_km_curves_medians_and_log_rank(chain, session):
    result = time_to_proficiency(session, now=NOW, rules=load_rules(session))
    for group in ("pilot", "control"):
        part = result[group]
        assert part["n"] == part["events"] + part["censored"] > 0
        survival = [row["survival"] for row in part["curve"]]
        assert survival == sorted(survival, reverse=True)
    assert (result["pilot"]["n_sites"], result["control"]["n_sites"]) == (3, 1)
    assert result["pilot"]["events"] > 0
    assert set(result["log_rank"]) == {"statistic", "df", "p_value"}
    assert "Brookmeyer–Crowley" in result["method"]
    assert "Sites without go_live_on are left out: S099." in result["caveats"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"week": -1}, "week"),
        ({"weighting": "x"}, "weighting"),
    ],
)
def test_bad_arguments_name_the_field(session, changes, field):
    args = {"metric": "adoption_rate", "week": 1, "weighting": "sites"} | changes
    with pytest.raises(Invalid) as raised:
        comparison(session, **args, now=NOW, rules=load_rules(session))
    assert set(raised.value.details) == {field}
