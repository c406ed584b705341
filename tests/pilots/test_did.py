"""Staggered DiD (DESIGN.md "Pilot comparison"): hand-computed cells, a simulated panel, R `did`'s
conventions checked against the independent `csdid` port, and the weekly panel read from a
database. The CLI is tested in tests/cli/test_pilots.py, the API in tests/http/test_did.py.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from adoption.errors import Invalid
from adoption.scoring.rules import load_rules
from pilots.did.estimator import analytic_se, bootstrap_se, estimate, staggered_did
from pilots.did.panel import did_from_db, programme_start, weekly_panel
from tests.adoption.scoring.test_proficiency import Scenario
from tests.pilots.did_world import COLUMNS, NOW, staggered_panel


def long_panel(outcomes: dict[str, tuple[int, list[float]]]) -> pd.DataFrame:
    """unit → (group, outcome in periods 1, 2, …) as the long panel the estimator reads."""
    return pd.DataFrame(
        [(u, t, g, y) for u, (g, ys) in outcomes.items() for t, y in enumerate(ys, start=1)],
        columns=list(COLUMNS.values()),
    )


# A1, A2 start in period 2, B in period 3, C never; n = 4, P(G=2) = 1/2, P(G=3) = 1/4.
HAND = {"A1": (2, [0, 3, 4]), "A2": (2, [0, 1, 5]), "B": (3, [1, 2, 6]), "C": (0, [2, 2, 3])}


def cells(result: dict) -> dict[tuple[int, int], float]:
    return {(c["group"], c["time"]): pytest.approx(c["att"]) for c in result["att_gt"]}


def test_two_by_two_att_is_the_difference_of_mean_changes():
    panel = long_panel({"A": (2, [1, 4]), "B": (2, [2, 4]), "C": (0, [1, 2]), "D": (0, [3, 3])})
    result = staggered_did(panel, **COLUMNS)
    # treated changes 3, 2 → 2.5; never-treated changes 1, 0 → 0.5; ATT = 2.0
    assert cells(result) == {(2, 2): 2.0}
    assert result["overall"]["att"] == pytest.approx(2.0)
    assert [(e["e"], e["att"]) for e in result["event_time"]] == [(0, pytest.approx(2.0))]
    assert result["n_units"] == 4 and result["base_period"] == "varying"


def test_never_treated_controls_with_varying_base_periods():
    result = staggered_did(long_panel(HAND), **COLUMNS, control="never")
    # (2,2): A (3+1)/2 − C 0 = 2; (2,3) from base 1: A (4+5)/2 − C 1 = 3.5;
    # (3,2) pre-period from base 1: B 1 − C 0 = 1; (3,3) from base 2: B 4 − C 1 = 3
    assert cells(result) == {(2, 2): 2.0, (2, 3): 3.5, (3, 2): 1.0, (3, 3): 3.0}


def test_not_yet_treated_controls_add_later_groups_before_they_start():
    result = staggered_did(long_panel(HAND), **COLUMNS, control="notyet")
    # (2,2): controls C (change 0) and B (treated at 3 > 2, change 1) → 2 − 0.5 = 1.5; later
    # cells have no not-yet-treated unit but C, as with never-treated controls
    assert cells(result) == {(2, 2): 1.5, (2, 3): 3.5, (3, 2): 1.0, (3, 3): 3.0}
    assert result["control"] == "notyet"


def test_event_time_and_simple_weigh_cells_by_group_share():
    result = staggered_did(long_panel(HAND), **COLUMNS)
    # e=0: (2·½ + 3·¼) / ¾ = 7/3; simple over t ≥ g: (2·½ + 3.5·½ + 3·¼) / (5/4) = 2.8
    dynamic = {e["e"]: e["att"] for e in result["event_time"]}
    assert dynamic == {-1: pytest.approx(1.0), 0: pytest.approx(7 / 3), 1: pytest.approx(3.5)}
    assert result["overall"]["att"] == pytest.approx(2.8)
    assert result["overall"]["aggregation"] == "simple"


def test_a_constant_effect_is_recovered_in_every_post_treatment_cell():
    result = staggered_did(staggered_panel(effect=0.4), **COLUMNS)
    post = [c for c in result["att_gt"] if c["time"] >= c["group"]]
    assert post and all(abs(c["att"] - 0.4) < 0.05 for c in post)
    overall = result["overall"]
    assert abs(overall["att"] - 0.4) < 0.02 and overall["ci_low"] < 0.4 < overall["ci_high"]


def test_pre_treatment_cells_are_near_zero_under_parallel_trends():
    result = staggered_did(staggered_panel(effect=0.4), **COLUMNS)
    pre = [c for c in result["att_gt"] if c["time"] < c["group"]]
    assert pre and all(abs(c["att"]) < 0.05 for c in pre)
    assert all(abs(e["att"]) < 0.05 for e in result["event_time"] if e["e"] < 0)


def test_units_treated_in_the_first_period_are_dropped_and_listed():
    panel = long_panel({**HAND, "Z": (1, [5, 9, 9])})
    result = staggered_did(panel, **COLUMNS)
    assert result["n_units"] == 4
    assert "Dropped 1 unit treated in the first period (1): Z." in result["caveats"]
    assert cells(result) == cells(staggered_did(long_panel(HAND), **COLUMNS))


def test_units_missing_a_period_are_dropped_and_listed():
    panel = long_panel({**HAND, "M": (0, [1, np.nan, 2]), "X": (0, [np.nan] * 3)})
    panel = panel[~((panel["unit"] == "B") & (panel["time"] == 1))]
    result = staggered_did(panel, **COLUMNS, noun="site")
    assert result["n_units"] == 3
    assert "Dropped 3 sites missing a period or an outcome: B, M, X." in result["caveats"]


def test_bootstrap_is_reproducible_with_the_seed():
    panel = staggered_panel()
    one, two = (staggered_did(panel, **COLUMNS, seed=7) for _ in range(2))
    other = staggered_did(panel, **COLUMNS, seed=8)
    assert one == two
    assert one["overall"]["se"] != other["overall"]["se"]


def test_bootstrap_se_is_close_to_the_influence_function_se():
    est = estimate(staggered_panel(), **COLUMNS)
    ratio = np.array(bootstrap_se(est.psi, seed=0)) / analytic_se(est.psi)
    assert ratio.min() > 0.8 and ratio.max() < 1.25


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.assign(time=p["time"] + 0.5), "time"),
        (lambda p: pd.concat([p, p.head(1)]), "time"),
        (lambda p: p.assign(group=p["group"].where(p["time"] != 2, 3)), "group"),
        (lambda p: p.drop(columns="outcome"), "outcome"),
        (lambda p: p.assign(outcome="high"), "outcome"),
    ],
)
def test_malformed_panel_is_invalid(change, field):
    with pytest.raises(Invalid) as caught:
        staggered_did(change(long_panel(HAND)), **COLUMNS)
    assert field in caught.value.details


# ---- an independent implementation, side by side ------------------------------------------


def csdid_estimates(panel: pd.DataFrame, control: str) -> dict:
    """csdid (a Python port of R did 2.5) on the panel: ATT(g,t), dynamic, simple, with the
    influence-function (non-bootstrap) standard errors."""
    from csdid.att_gt import ATTgt

    name = {"never": "nevertreated", "notyet": "notyettreated"}[control]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        fit = ATTgt(
            yname="outcome", tname="time", idname="unit", gname="group", data=panel.copy(),
            control_group=name,
        ).fit(est_method="dr", base_period="varying", bstrap=False)  # fmt: skip
        res = fit.results
        out = {"cells": [(int(g), int(t)) for g, t in zip(res["group"], res["year"], strict=True)]}
        out["att"], out["se"] = np.array(res["att"], float), np.array(res["se"], float)
        dynamic = fit.aggte(typec="dynamic").atte
        out["e"] = [int(e) for e in dynamic["egt"]]
        out["e_att"], out["e_se"] = np.array(dynamic["att_egt"]), np.array(dynamic["se_egt"])
        simple = fit.aggte(typec="simple").atte
        out["simple"] = (simple["overall_att"], simple["overall_se"])
    return out


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_estimates_agree_with_csdid_to_1e6(control):
    panel = staggered_panel(seed=11)
    panel = panel.drop(index=[5, 100, 333]).reset_index(drop=True)  # three units miss a period
    ours = estimate(panel, **COLUMNS, control=control)
    theirs = csdid_estimates(panel, control)
    assert ours.cells == theirs["cells"] and ours.event_times == theirs["e"]
    np.testing.assert_allclose(ours.att, theirs["att"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.event_att, theirs["e_att"], rtol=0, atol=1e-6)
    assert ours.simple_att == pytest.approx(theirs["simple"][0], rel=0, abs=1e-6)
    # the influence functions too: R's standard errors without the bootstrap
    np.testing.assert_allclose(analytic_se(ours.psi), theirs["se"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(analytic_se(ours.event_psi), theirs["e_se"], rtol=0, atol=1e-6)
    simple_se = analytic_se(ours.simple_psi[:, None])[0]
    assert simple_se == pytest.approx(theirs["simple"][1], rel=0, abs=1e-6)


# ---- the weekly panel from the database ------------------------------------------------------


@pytest.fixture
def staggered_sites(session):
    """Go-lives on Mon 10-05 (A, programme from 10-19), Sat 10-03 (B), 10-12 (C) and 10-01 (D,
    programme from 10-01); E never went live. One person each, no events: adoption rate 0."""
    scn = Scenario(session)
    scn.site("A", go_live_on=date(2026, 10, 5), program_started_on=date(2026, 10, 19))
    scn.site("B", go_live_on=date(2026, 10, 3)).site("C", go_live_on=date(2026, 10, 12))
    scn.site("D", go_live_on=date(2026, 10, 1), program_started_on=date(2026, 10, 1)).site("E")
    for code in "ABCDE":
        scn.person(f"P{code}", code)
    session.commit()
    return scn


def test_panel_runs_from_the_first_whole_live_week_to_the_last_week_complete_everywhere(
    session, staggered_sites
):
    panel, caveats = weekly_panel(
        session, metric="adoption_rate", now=NOW, rules=load_rules(session)
    )
    # Week 1 is Mon 10-05, the first week a site (A, B, D) was live on every day; the last is
    # W46 (11-09 … 11-15), complete at every site on Fri 11-20. E has no go-live: not in it.
    assert caveats == [
        "Weeks 1 to 6 are ISO weeks 2026-W41 to 2026-W46 (2026-10-05 to 2026-11-15): from the "
        "first week a site was live on every day to the newest week complete at every site."
    ]
    assert sorted(panel["week"].unique()) == [1, 2, 3, 4, 5, 6]
    groups = panel.groupby("site_id")["group"].first().to_dict()
    assert groups == {"A": 3, "B": 0, "C": 0, "D": 1}  # A from W43; D's programme before week 1
    observed = panel.groupby("site_id")["value"].count().to_dict()
    assert observed == {"A": 6, "B": 6, "C": 0, "D": 6}  # C, live from week 2, misses week 1


def test_sites_missing_a_week_or_treated_in_week_one_are_dropped_and_listed(
    session, staggered_sites
):
    result = did_from_db(
        session, metric="adoption_rate", control="never", seed=0, now=NOW, rules=load_rules(session)
    )
    assert result["n_units"] == 2  # A and B
    assert "Dropped 1 site treated in the first period (1): D." in result["caveats"]
    assert "Dropped 1 site missing a period or an outcome: C." in result["caveats"]
    assert {c["group"] for c in result["att_gt"]} == {3}


def test_a_later_panel_start_keeps_the_sites_of_later_waves(session, staggered_sites):
    rules = load_rules(session)
    panel, caveats = weekly_panel(
        session, metric="adoption_rate", now=NOW, rules=rules, start=date(2026, 10, 14)
    )
    # From W42 (Mon 10-12): C, live from 10-12, is observed every week; A's programme (W43)
    # is its week 2; D's started before the panel, treated in its first period.
    assert caveats[0].startswith("Weeks 1 to 5 are ISO weeks 2026-W42 to 2026-W46 (2026-10-12")
    observed = panel.groupby("site_id")["value"].count().to_dict()
    assert observed == {"A": 5, "B": 5, "C": 5, "D": 5}
    assert panel.groupby("site_id")["group"].first().to_dict() == {"A": 2, "B": 0, "C": 0, "D": 1}
    early, _ = weekly_panel(
        session, metric="adoption_rate", now=NOW, rules=rules, start=date(2026, 1, 1)
    )
    assert early["week"].max() == 6  # never before the first week a site was live


def test_programme_start_is_when_every_site_with_a_programme_is_live(session, staggered_sites):
    assert programme_start(session) == date(2026, 10, 5)  # A: live Mon 10-05; D from 10-05 too


def test_the_simulated_training_programme_runs_at_pilots_and_wave_1_after_go_live():
    from adoption.simulation import chain as simulated

    sim = simulated.simulate(seed=7, sites=12, weeks=12, today=date(2026, 12, 1))
    trained = [s for s in sim.sites if s.program_started_on]
    assert len({s.program_started_on for s in trained}) >= 2  # staggered
    assert all(s.wave <= 1 and s.program_started_on >= s.go_live_on for s in trained)
