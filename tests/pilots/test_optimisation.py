"""The optimisation report's data (pilots.optimisation) on a small hand-built chain.

NOW is Friday 2026-11-20 12:00 UTC. Three sites go live on Monday 11-02: P1 (pilot, wave 0,
p1–p6), W1 and W2 (wave 1; w1–w6 and x1–x3). The period is 11-02..11-15 (weeks 0 and 1).

- pos.sale (core, module pos): p1–p5 8 successes each on 11-03, p1 also 10 errors on 11-04;
  w1–w5 8 successes each on 11-10, w1 also 10 errors → 80 + 20 = 100 tries, 20 % errors.
- pos.refund (pos): p2 24 successes and 6 errors on 11-03 → 30 tries, 20 %.
- returns.exchange (returns): w2 12 successes and 8 errors on 11-10 → 20 tries, 40 %.
- returns.receipt (returns): x1 8 successes on 11-10.
- loyalty.lookup (loyalty): w3 19 errors on 11-10 → 19 tries, under the minimum of 20;
  loyalty.enroll: never used, so the loyalty module has no success at all.
- p6, w6, x2 and x3 never do anything.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from adoption.errors import Invalid
from adoption.models import Feature, QuickCard
from adoption.scoring.rules import load_rules
from pilots.models import OptimisationReport
from pilots.optimisation import optimisation_report
from pilots.targets import add_target
from pilots.verdict import verdict_sentences
from tests.adoption.scoring.test_proficiency import NOW, Scenario

FROM, TO = date(2026, 11, 2), date(2026, 11, 15)
GO_LIVE = date(2026, 11, 2)


def d(day: int) -> date:
    return date(2026, 11, day)


def build_chain(session) -> Scenario:
    """The chain of the module docstring."""
    scn = Scenario(session).feature("pos.sale", module="pos", is_core=True)
    scn.feature("pos.refund", module="pos")
    scn.feature("returns.exchange", module="returns", title="Exchange an item")
    scn.feature("returns.receipt", module="returns")
    scn.feature("loyalty.lookup", module="loyalty").feature("loyalty.enroll", module="loyalty")
    scn.site("P1", is_pilot=True, wave=0, go_live_on=GO_LIVE)
    scn.site("W1", wave=1, go_live_on=GO_LIVE).site("W2", wave=1, go_live_on=GO_LIVE)
    for site, people in (("P1", "p"), ("W1", "w")):
        for n in range(1, 7):
            scn.person(f"{people}{n}", site)
    for n in range(1, 4):
        scn.person(f"x{n}", "W2")
    events = [scn.ev(f"p{n}", "pos.sale", d(3), times=8) for n in range(1, 6)]
    events += [scn.ev(f"w{n}", "pos.sale", d(10), times=8) for n in range(1, 6)]
    events += [
        scn.ev("p1", "pos.sale", d(4), outcome="error", times=10),
        scn.ev("w1", "pos.sale", d(10), outcome="error", times=10),
        scn.ev("p2", "pos.refund", d(3), times=24),
        scn.ev("p2", "pos.refund", d(3), outcome="error", times=6),
        scn.ev("w2", "returns.exchange", d(10), times=12),
        scn.ev("w2", "returns.exchange", d(10), outcome="error", times=8),
        scn.ev("x1", "returns.receipt", d(10), times=8),
        scn.ev("w3", "loyalty.lookup", d(10), outcome="error", times=19),
    ]
    scn.send(*events)
    return scn


@pytest.fixture
def chain(session) -> Scenario:
    return build_chain(session)


def adoption_target(session, threshold: float) -> None:
    """Adoption rate ≥ `threshold` in week 3 since go-live at every site. Projected from weeks
    0 and 1 as of 11-15 (no site has reached week 3): P1 5/6 then 0/6 → 0 (clipped), W1 0 then
    5/6 and W2 0 then 1/3 → 1 (clipped); overall (0 × 6 + 1 × 6 + 1 × 3) ÷ 15 = 0.6."""
    values = {
        "name": "Adoption",
        "metric": "adoption_rate",
        "population": "all",
        "comparison": ">=",
        "threshold": threshold,
        "deadline_week": 3,
    }
    add_target(session, values, now=NOW, actor="test")
    session.commit()


def report(session, first=FROM, last=TO, *, min_group=1, save=True, now=NOW, replace=False) -> dict:
    data = optimisation_report(
        session,
        from_on=first,
        to_on=last,
        now=now,
        rules=load_rules(session),
        actor="test",
        min_group=min_group,
        save=save,
        replace=replace,
    )
    session.commit()
    return data


def test_targets_with_status_value_and_the_sites_that_put_them_at_risk(chain, session):
    adoption_target(session, 0.9)
    data = report(session)
    (target,) = data["targets"]["items"]
    assert (target["status"], target["final"], target["sites"]) == ("at_risk", False, 3)
    assert target["value"] == pytest.approx(0.6)
    assert target["sites_at_risk"] == [{"site_id": "P1", "name": "Store P1"}]
    (advice,) = [r for r in data["recommendations"] if r["kind"] == "target"]
    assert advice["text"] == (
        "The target “Adoption” is at risk (60.0 % projected, 90.0 % needed): focus on Store P1."
    )


def test_hot_spots_rank_by_error_rate_then_tries_among_features_with_enough_tries(chain, session):
    items = report(session)["hotspots"]["items"]
    # 8 ÷ 20 = 40 %; pos.sale and pos.refund both 20 %, the one with more tries first;
    # loyalty.lookup (19 tries) is under the minimum of 20, returns.receipt has no error.
    assert [(h["action"], h["attempts"], h["errors"], h["error_rate"]) for h in items] == [
        ("returns.exchange", 20, 8, 0.4),
        ("pos.sale", 100, 20, 0.2),
        ("pos.refund", 30, 6, 0.2),
    ]


def test_hot_spots_count_stores_people_and_who_fails_most(chain, session):
    items = {h["action"]: h for h in report(session)["hotspots"]["items"]}
    # pos.sale: errors at P1 (p1) and W1 (w1); both ≥ 5 tries with 10 ÷ 18 = 56 % ≥ 20 %.
    sale = items["pos.sale"]
    assert (sale["stores"], sale["people"], sale["failing_people"]) == (2, 2, 2)
    assert (items["returns.exchange"]["title"], items["pos.sale"]["title"]) == (
        "Exchange an item",
        "pos.sale",  # no title: the action
    )


def test_adoption_by_site_and_wave_pools_their_people(chain, session):
    adoption = report(session)["adoption"]
    sites = {s["site_id"]: s for s in adoption["sites"]}
    # P1: p1–p5 of 6 active; W2: x1 of 3.
    assert (sites["P1"]["population"], sites["P1"]["active"], sites["P1"]["wave"]) == (6, 5, 0)
    assert (sites["P1"]["is_pilot"], sites["P1"]["go_live_on"]) == (True, "2026-11-02")
    assert sites["W2"]["adoption_rate"] == pytest.approx(1 / 3)
    waves = {w["wave"]: w for w in adoption["waves"]}
    # wave 1 = W1 + W2: (5 + 1) ÷ (6 + 3) active; the chain: 11 ÷ 15.
    assert (waves[1]["sites"], waves[1]["population"], waves[1]["active"]) == (2, 9, 6)
    assert waves[1]["adoption_rate"] == pytest.approx(6 / 9)
    assert adoption["chain"]["adoption_rate"] == pytest.approx(11 / 15)
    pooled = (sites["W1"]["mean_proficiency"] * 6 + sites["W2"]["mean_proficiency"] * 3) / 9
    assert waves[1]["mean_proficiency"] == pytest.approx(pooled)
    assert 0 < sites["P1"]["mean_proficiency"] < 100


def test_unused_modules_are_listed_and_recommended(chain, session):
    data = report(session)
    assert [(m["module"], m["successes"]) for m in data["unused_modules"]["items"]] == [
        ("loyalty", 0)
    ]
    texts = [r["text"] for r in data["recommendations"] if r["kind"] == "unused_module"]
    assert texts == [
        "Nobody used the loyalty module in the period (loyalty.enroll, loyalty.lookup): train "
        "the stores on it, or consider switching it off."
    ]


def test_help_counts_each_group_per_site_and_overall(chain, session):
    help_ = report(session)["help"]
    counts = {s["site_id"]: s["counts"] for s in help_["sites"]}
    # As of 11-15. P1: p6 never started; p1 struggling ((8 + 1) ÷ (18 + 2) = 0.45 < 0.6);
    # p2–p5 last used it on 11-03, before the last 7 days: dormant.
    assert counts["P1"] == {"never_started": 1, "struggling": 1, "dormant": 4, "silent": 0}
    assert counts["W1"] == {"never_started": 1, "struggling": 1, "dormant": 0, "silent": 0}
    assert counts["W2"] == {"never_started": 2, "struggling": 0, "dormant": 0, "silent": 0}
    assert help_["overall"] == {
        "team": 15,
        "counts": {"never_started": 4, "struggling": 2, "dormant": 4, "silent": 0},
    }


def test_counts_of_small_groups_are_withheld(chain, session):
    data = report(session, min_group=5)
    help_ = {s["site_id"]: s for s in data["help"]["sites"]}
    # W2's team of 3 is under 5: every count withheld; P1's 1, 1 and 4 too; zeros stay.
    assert help_["W2"]["suppressed"] and set(help_["W2"]["counts"].values()) == {None}
    assert help_["P1"]["counts"] == {
        "never_started": None,
        "struggling": None,
        "dormant": None,
        "silent": 0,
    }
    assert help_["W1"]["counts"]["dormant"] == 0
    # Overall: 4, 2 and 4 people are under 5 as well.
    assert data["help"]["overall"]["counts"] == {
        "never_started": None,
        "struggling": None,
        "dormant": None,
        "silent": 0,
    }
    w2 = next(s for s in data["adoption"]["sites"] if s["site_id"] == "W2")
    assert w2["suppressed"] and w2["population"] is None and w2["adoption_rate"] is None


def test_a_withheld_count_is_not_given_away_by_the_overall_count(session):
    # A: a1 never started, a2–a5 active; B: all five never started; C: all active.
    scn = Scenario(session).feature("pos.sale", is_core=True)
    events = []
    for code, active in (("A", range(2, 6)), ("B", ()), ("C", range(1, 6))):
        scn.site(code, go_live_on=GO_LIVE)
        for n in range(1, 6):
            scn.person(f"{code.lower()}{n}", code)
        events += [scn.ev(f"{code.lower()}{n}", "pos.sale", d(14)) for n in active]
    scn.send(*events)
    help_ = report(session, min_group=5)["help"]
    never = {s["site_id"]: s["counts"]["never_started"] for s in help_["sites"]}
    # A's 1 is withheld; the overall 6 (≥ 5) is shown, so 6 − 5 would give A away: B's 5 is
    # withheld too (C's 0 would not hide it).
    assert never == {"A": None, "B": None, "C": 0}
    assert help_["overall"]["counts"]["never_started"] == 6


def test_the_verdict_is_the_pilot_effect_of_adoption_by_week(chain, session):
    verdict = report(session)["verdict"]
    assert verdict["metric"] == "adoption_rate"
    # Weeks 0 (11-02..11-08) and 1 (11-09..11-15) are complete when 11-15 has ended.
    assert [(e["week"], e["n_pilot"], e["n_control"]) for e in verdict["effects"]] == [
        (0, 1, 2),
        (1, 1, 2),
    ]
    # Week 1: P1 has 0 of 6 active, W1 and W2 5 ÷ 6 and 1 ÷ 3 → 0 − (5/6 + 1/3) ÷ 2.
    assert verdict["effects"][1]["estimate"] == pytest.approx(-(5 / 6 + 1 / 3) / 2)
    assert verdict["sentences"] == verdict_sentences(
        verdict["effects"], metric="adoption_rate", unit="fraction", control_sites=2
    )
    assert not verdict["pilots_ahead"]


def test_recommendations_carry_their_figures(chain, session):
    session.add(
        QuickCard(
            feature_id=feature_id(session, "returns.exchange"),
            locale="en",
            title="Exchange",
            steps=["Scan the receipt"],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.commit()
    data = report(session)
    by_kind = {}
    for r in data["recommendations"]:
        by_kind.setdefault(r["kind"], []).append(r)
    cards = by_kind["card"]
    assert cards[0]["text"] == (
        "Exchange an item fails 40.0 % of 20 tries in 1 stores: hand out its quick-reference "
        "card and run a refresher for the 1 people who fail it most."
    )
    assert cards[1]["text"].startswith("pos.sale fails 20.0 % of 100 tries in 2 stores: write")
    assert cards[0]["figures"]["has_card"] and not cards[1]["figures"]["has_card"]
    # 4 dormant of a team of 15 = 26.7 % ≥ 10 %, all at P1.
    assert by_kind["dormant"][0]["figures"] == {"dormant": 4, "team": 15, "sites": ["P1"]}
    assert "Store P1" in by_kind["dormant"][0]["text"]
    assert by_kind["pilots"][0]["values"] == {
        "estimate": "−58.3 pp",
        "week": 1,
        "low": "—",
        "high": "—",
    }
    assert data["card_feature_ids"] == [
        feature_id(session, a) for a in ("returns.exchange", "pos.sale", "pos.refund")
    ]


def feature_id(session, action: str) -> int:
    return session.scalar(select(Feature.id).where(Feature.action == action))


def test_the_report_is_stored_as_json_and_replaced_when_generated_again(chain, session):
    first = report(session)
    assert json.loads(json.dumps(first)) == first
    later = NOW + timedelta(hours=1)
    assert report(session, now=later) == first  # a period reported is given as issued
    report(session, now=later, replace=True)
    rows = session.scalars(select(OptimisationReport)).all()
    assert len(rows) == 1
    assert (rows[0].from_on, rows[0].to_on, rows[0].generated_by) == (FROM, TO, "test")
    assert rows[0].data["generated_at"] == later.isoformat()


def test_unsaved_report_stores_nothing(chain, session):
    report(session, save=False)
    assert session.scalar(select(func.count()).select_from(OptimisationReport)) == 0


def test_comparison_with_the_previous_report(chain, session):
    adoption_target(session, 0.5)
    report(session, d(2), d(8))
    data = report(session, d(9), d(15))
    change = data["comparison"]
    assert change["previous"]["from"] == "2026-11-02" and change["previous"]["to"] == "2026-11-08"
    # As of 11-08 only week 0 is complete: flat projections 5/6, 0 and 0 → 5 ÷ 15 < 0.5.
    assert [(t["name"], t["before"], t["now"], t["changed"]) for t in change["targets"]] == [
        ("Adoption", "at_risk", "on_track", True)
    ]
    assert [(h["action"], h["status"]) for h in change["hotspots"]] == [
        ("returns.exchange", "new"),  # 40 % now, no tries before
        ("pos.sale", "unchanged"),  # 10 ÷ 50 before and after
        ("pos.refund", "not_measured"),  # 20 % before, no tries now
    ]
    chain_row = change["adoption"][0]
    # active: p1–p5 of 15 before, w1–w5 and x1 now → +6.7 pp
    assert chain_row["wave"] is None
    assert chain_row["change"]["adoption_rate"] == pytest.approx(6 / 15 - 5 / 15)
    assert change["unused_modules"] == {"new": [], "still": ["loyalty"], "no_longer": ["returns"]}
    # As of 11-08 only p1–p5 had used it (p1 struggling); as of 11-15 see the help test.
    groups = change["help"]["groups"]
    assert groups["never_started"] == {"before": 10, "now": 4, "change": -6}
    assert groups["dormant"] == {"before": 0, "now": 4, "change": 4}


def test_the_previous_report_is_of_an_earlier_period(chain, session):
    assert report(session)["comparison"] is None
    # The same period again, or another ending on the same day, is not "previous".
    assert report(session)["comparison"] is None
    assert report(session, d(9), TO)["comparison"] is None
    report(session, d(2), d(8))
    assert report(session)["comparison"] is None  # as issued, before 11-02…11-08 was
    assert report(session, replace=True)["comparison"]["previous"]["to"] == "2026-11-08"


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (d(10), d(9), "from"),
        (date(2025, 10, 31), d(1), "to"),  # 367 days, both ends counted
        (d(10), d(20), "to"),  # 11-20 has not ended yet
    ],
)
def test_a_period_must_be_ordered_at_most_366_days_and_over(chain, session, first, last, field):
    with pytest.raises(Invalid) as error:
        report(session, first, last)
    assert field in error.value.details


def test_a_year_to_yesterday_is_a_valid_period(chain, session):
    assert report(session, date(2025, 11, 19), d(19), save=False)["period"]["days"] == 366
