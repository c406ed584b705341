"""Targets (pilots.targets, pilots.target_progress): validation, audit, and progress per site and
overall on the small chain of tests.pilots.targets_world (weeks and values hand-computed there).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from adoption.errors import Invalid, NotFound
from adoption.models import AuditLog
from adoption.scoring.rules import load_rules
from pilots import measures, targets
from tests.adoption.scoring.test_proficiency import NOW
from tests.pilots.targets_world import ADOPTION_BY_WEEK_3, build


@pytest.fixture
def chain(session):
    return build(session)


def add(session, **changes) -> dict:
    target = targets.add_target(session, {**ADOPTION_BY_WEEK_3, **changes}, now=NOW, actor="t")
    session.commit()
    return target


def progress(session, target: dict) -> dict:
    return targets.target_progress(session, target["id"], now=NOW, rules=load_rules(session))[
        "progress"
    ]


def by_site(result: dict) -> dict:
    return {
        r["site_id"]: (r["week"], r["value"], r["final"], r["projected_value"], r["status"])
        for r in result["sites"]
    }


def test_a_complete_deadline_week_is_final_and_a_later_site_is_projected_on_the_curve(
    chain, session
):
    result = progress(session, add(session))
    # A: week 3 complete, 3 of 4 active = 0.75 < 0.8. B: latest week 1 = 1.0, plus A's change
    # from week 1 to week 3 (0.75 − 0.5 = 0.25) = 1.25, clipped to 1.0. C: no complete week.
    assert by_site(result) == {
        "A": (3, 0.75, True, None, "missed"),
        "B": (1, 1.0, False, 1.0, "on_track"),
        "C": (None, None, False, None, "no_data"),
    }
    assert result["sites_without_go_live"] == ["D"]
    # Weighted by population in the value's week: (0.75 × 4 + 1.0 × 2) ÷ 6 = 5/6 ≥ 0.8.
    assert result["value"] == pytest.approx(5 / 6)
    assert (result["status"], result["final"]) == ("on_track", False)
    assert "aligned curve" in result["method"] and "weighted by" in result["method"]


def test_without_a_site_past_the_deadline_week_the_trend_of_the_last_four_weeks_projects(
    chain, session
):
    result = progress(session, add(session, population="pilots", threshold=0.9, deadline_week=4))
    # A's weeks 0–3: 0.25, 0.5, 0.5, 0.75; least squares: slope 0.75 ÷ 5 = 0.15, intercept
    # 0.5 − 0.15 × 1.5 = 0.275; at week 4: 0.275 + 0.6 = 0.875 < 0.9.
    (row,) = result["sites"]
    assert row["projected_value"] == pytest.approx(0.875)
    assert (row["week"], row["value"], row["status"]) == (3, 0.75, "at_risk")
    assert result["value"] == pytest.approx(0.875)
    assert result["status"] == "at_risk"


def test_a_trend_beyond_the_metrics_range_is_clipped(chain, session):
    result = progress(session, add(session, population="region", population_value="South"))
    # B has not reached week 3 but A, outside the region, has: 1.0 + 0.25, clipped to 1.0.
    assert by_site(result)["B"][3] == 1.0
    result = progress(
        session, add(session, population="wave", population_value="1", deadline_week=9)
    )
    # No site has week 9: B's trend through (0, 0.5), (1, 1.0) at week 9 is 5.0, clipped to 1.
    assert by_site(result)["B"] == (1, 1.0, False, 1.0, "on_track")


def test_a_date_deadline_is_each_sites_last_week_ending_by_it(chain, session):
    result = progress(session, add(session, deadline_week=None, deadline_on=date(2026, 11, 15)))
    # 11-15 ends A's week 3 and B's week 1; C's week 0 ends 11-22: no week of C ends by then.
    rows = {r["site_id"]: r for r in result["sites"]}
    assert [rows[s]["deadline_week"] for s in "ABC"] == [3, 1, -1]
    assert by_site(result)["B"] == (1, 1.0, True, None, "met")
    assert by_site(result)["C"] == (None, None, True, None, "no_data")
    # Every site final: (0.75 × 4 + 1.0 × 2) ÷ 6 = 5/6 ≥ 0.8.
    assert (result["status"], result["final"]) == ("met", True)


def test_a_final_overall_below_the_threshold_is_missed(chain, session):
    result = progress(session, add(session, population="pilots", threshold=0.76))
    assert (result["status"], result["value"]) == ("missed", 0.75)


def test_a_population_without_a_complete_week_has_no_data(chain, session):
    result = progress(session, add(session, population="wave", population_value=2))
    assert (result["status"], result["value"]) == ("no_data", None)


def test_at_most_comparisons_are_met_below_the_threshold(chain, session):
    result = progress(session, add(session, population="pilots", comparison="<=", threshold=0.75))
    assert result["status"] == "met"  # 0.75 ≤ 0.75


def test_mean_proficiency_is_a_score_from_0_to_100(chain, session):
    result = progress(session, add(session, metric="mean_proficiency", threshold=80))
    values = [r["value"] for r in result["sites"] if r["value"] is not None]
    assert values and all(0 <= v <= 100 for v in values)


def test_the_overview_reads_every_targets_weeks_in_one_call(chain, session, monkeypatch):
    calls = []
    real = measures.panel_metrics
    monkeypatch.setattr(measures, "panel_metrics", lambda *a, **k: calls.append(1) or real(*a, **k))
    add(session)
    add(session, metric="error_rate", comparison="<=", threshold=0.1, deadline_week=6)
    overview = targets.targets_overview(session, now=NOW, rules=load_rules(session))
    assert [t["progress"]["status"] for t in overview] == ["on_track", "on_track"]
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"metric": "happiness"}, {"metric"}),
        ({"threshold": 80}, {"threshold"}),  # adoption_rate is a fraction
        ({"threshold": "0.8"}, {"threshold"}),
        ({"population": "chain"}, {"population"}),
        ({"population": "wave"}, {"population_value"}),
        ({"population": "region", "population_value": "Atlantis"}, {"population_value"}),
        ({"population_value": "North"}, {"population_value"}),
        ({"deadline_on": date(2027, 3, 1)}, {"deadline_week", "deadline_on"}),
        ({"deadline_week": None}, {"deadline_week", "deadline_on"}),
        ({"deadline_week": 105}, {"deadline_week"}),
        ({"name": "  ", "comparison": "=", "colour": "red"}, {"name", "comparison", "colour"}),
    ],
)
def test_a_bad_target_is_invalid_naming_each_bad_field(chain, session, changes, fields):
    with pytest.raises(Invalid) as exc:
        targets.add_target(session, {**ADOPTION_BY_WEEK_3, **changes}, now=NOW, actor="t")
    assert set(exc.value.details) == fields


def test_a_score_threshold_is_up_to_100(chain, session):
    target = add(session, metric="mean_proficiency", threshold=80)
    assert (target["threshold"], target["unit"]) == (80.0, "score")


def test_update_replaces_and_remove_deletes_with_an_audit_record_each(chain, session):
    target = add(session, population="region", population_value=" North ")
    assert target["population_value"] == "North"
    changed = targets.update_target(
        session, target["id"], {**ADOPTION_BY_WEEK_3, "name": "Renamed"}, now=NOW, actor="u"
    )
    assert (changed["name"], changed["population"], changed["population_value"]) == (
        "Renamed",
        "all",
        None,
    )
    targets.remove_target(session, target["id"], now=NOW, actor="u")
    with pytest.raises(NotFound):
        targets.get_target(session, target["id"])
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.target_type == "target").order_by(AuditLog.id)
    ).all()
    assert actions == ["target.add", "target.update", "target.remove"]


def test_text_says_the_target_in_words(chain, session):
    assert add(session)["text"] == "Adoption rate >= 80.0 % by week 3 since go-live at every site"


def test_a_targets_text_is_said_whole_in_another_language():
    """The metric's label and a score's unit are words too (review: English inside the zh)."""
    from adoption.locales import say
    from pilots.targets import target_text

    zh = {
        "%(metric)s %(comparison)s %(threshold)s %(deadline)s at %(where)s": (
            "%(where)s：%(deadline)s%(metric)s %(comparison)s %(threshold)s"
        ),
        "by week %(week)s since go-live": "上线后第 %(week)s 周前",
        "every site": "每家门店",
        "Mean proficiency": "平均熟练度",
        "%(value)s of 100": "%(value)s 分（满分 100）",
    }
    target = {
        "metric": "mean_proficiency",
        "comparison": ">=",
        "threshold": 61.0,
        "deadline_week": 8,
        "deadline_on": None,
        "population": "all",
        "population_value": None,
    }
    text = target_text(target)
    assert text == "Mean proficiency >= 61.0 of 100 by week 8 since go-live at every site"
    assert (
        say(text, lambda m: zh.get(m, m))
        == "每家门店：上线后第 8 周前平均熟练度 >= 61.0 分（满分 100）"
    )
