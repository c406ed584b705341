"""Store vs store (rewards.store_board) on a hand-computed chain.

NOW is 2026-11-20 12:00 UTC (every site in UTC), so 2026-11 is the current month: points count up
to today, head count is taken today (11-20) and scores on yesterday (11-19). pos.sale is core and
earns 2 points, uncapped.

| site | region | people (home)          | head 11-20 | points earned there in 2026-11        |
| S1   | North  | A1..A5, L (left 11-10) | 5          | A1 10, A2 4, L 6 = 20 → 4.00 a head   |
| S2   | North  | B1, B2                 | 2          | B1 8, B2 2, A3 visiting 2 = 12 → 6.00 |
| S3   | South  | C1, C2, C3             | 3          | C1 4 → 1.33 (and 20 in October)       |
| S4   | South  | nobody                 | 0          | — (no value, last)                    |
| S5   | South  | D1, D2, D3             | 3          | D1 4 → 1.33                           |

By raw points S1 (20) beats S2 (12); per head S2 (6.00) beats S1 (4.00).
"""

from __future__ import annotations

from datetime import date

import pytest

from adoption.errors import Invalid
from adoption.masterdata.records import get_employee
from adoption.scoring.components import round_half_up
from adoption.scoring.proficiency import scores_on
from adoption.scoring.rules import load_rules
from rewards.board_cache import BOARDS
from rewards.leaderboards import resolve_scope
from rewards.points import derive_points_job
from rewards.store_board import store_board
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def build_stores(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1", region="North").site("S2", region="North")
    scn.site("S3", region="South").site("S4", region="South").site("S5", region="South")
    scn.feature("pos.sale", is_core=True, points=2)
    for user in ("A1", "A2", "A3", "A4", "A5"):
        scn.person(user, "S1")
    scn.person("L", "S1", left_on=d(11, 10))
    scn.person("B1", "S2").person("B2", "S2")
    for user in ("C1", "C2", "C3"):
        scn.person(user, "S3")
    for user in ("D1", "D2", "D3"):
        scn.person(user, "S5")
    e = scn.ev
    scn.send(
        e("A1", "pos.sale", d(11, 2), times=5),
        e("A2", "pos.sale", d(11, 3), times=2),
        e("L", "pos.sale", d(11, 5), times=3),
        e("B1", "pos.sale", d(11, 4), times=4),
        e("B2", "pos.sale", d(11, 4)),
        e("A3", "pos.sale", d(11, 6), site="S2"),
        e("C1", "pos.sale", d(11, 9), times=2),
        e("C1", "pos.sale", d(10, 15), times=10),
        e("D1", "pos.sale", d(11, 12), times=2),
    )
    derive_points_job(session, now=NOW)
    session.commit()
    return scn


@pytest.fixture
def stores(session) -> Scenario:
    return build_stores(session)


def board(scn, metric="points", scope="chain", period="2026-11", min_group=5) -> dict:
    return store_board(
        scn.session,
        scope=resolve_scope(scn.session, scope),
        period=period,
        metric=metric,
        min_group=min_group,
        now=NOW,
    )


def ranked(result) -> list[tuple]:
    return [(e["rank"], e["site_id"], e["head_count"], e["value"]) for e in result["entries"]]


def test_points_per_head_ranks_the_smaller_store_first(stores):
    assert ranked(board(stores)) == [
        (1, "S2", 2, 6.0),  # 12 ÷ 2
        (2, "S1", 5, 4.0),  # 20 ÷ 5: L's 6 points count, L (left 11-10) is not a head
        (3, "S3", 3, 1.33),  # 4 ÷ 3
        (3, "S5", 3, 1.33),  # the same value shares the rank, listed by site code
        (5, "S4", 0, None),  # nobody: no value, last
    ]


def test_a_region_board_ranks_only_its_sites(stores):
    assert ranked(board(stores, scope="region:north")) == [(1, "S2", 2, 6.0), (2, "S1", 5, 4.0)]


def test_adoption_rate_is_over_the_head_count(stores):
    # S1: A1, A2, A3 (active at S2: any site counts) of the heads A1..A5 = 3 ÷ 5 (L, active but
    # gone by the period's last day, is not a head); S2: 2 ÷ 2; S3 and S5: 1 ÷ 3.
    assert ranked(board(stores, "adoption_rate")) == [
        (1, "S2", 2, 1.0),
        (2, "S1", 5, 0.6),
        (3, "S3", 3, 0.3333),
        (3, "S5", 3, 0.3333),
        (5, "S4", 0, None),
    ]


def test_mean_proficiency_counts_people_without_a_score_as_zero(stores):
    rules = load_rules(stores.session)

    def score(user):
        eid = get_employee(stores.session, user).id
        return scores_on(stores.session, {eid: d(11, 19)}, rules)[eid].score

    # B1 and B2 have core attempts; S3: only C1 has any, C2 and C3 count 0.
    s2 = float(round_half_up((score("B1") + score("B2")) / 2, 2))
    s3 = float(round_half_up(score("C1") / 3, 2))
    values = {e["site_id"]: e["value"] for e in board(stores, "proficiency")["entries"]}
    assert (values["S2"], values["S3"], values["S4"]) == (s2, s3, None)
    assert 0 < s3 < score("C1")


def test_rank_change_compares_with_the_previous_month(stores):
    # October per head: S3 20 ÷ 3 (#1); S1, S2, S5 0 (#2); S4 none (#5).
    changes = {e["site_id"]: (e["previous_rank"], e["change"]) for e in board(stores)["entries"]}
    assert changes == {
        "S2": (2, 1),
        "S1": (2, 0),
        "S3": (1, -2),
        "S5": (2, -1),
        "S4": (5, 0),
    }


def test_all_time_has_no_rank_change(stores):
    entries = board(stores, period="all")["entries"]
    assert {(e["previous_rank"], e["change"]) for e in entries} == {(None, None)}


def test_a_site_under_the_minimum_group_is_ranked_but_not_broken_down(stores):
    entries = {e["site_id"]: e for e in board(stores)["entries"]}
    assert entries["S2"]["rank"] == 1
    assert entries["S2"]["broken_down"] is False  # 2 people < 5
    assert entries["S1"]["broken_down"] is True  # 5 people
    assert set(entries["S1"]) == {
        "rank",
        "site_id",
        "name",
        "region",
        "head_count",
        "value",
        "broken_down",
        "previous_rank",
        "change",
    }  # no person anywhere


def test_each_entry_names_the_site(stores):
    first = board(stores)["entries"][0]
    assert (first["site_id"], first["name"], first["region"]) == ("S2", "Store S2", "North")


def test_a_site_scope_is_invalid_on_unit(stores):
    with pytest.raises(Invalid) as caught:
        board(stores, scope="site:S1")
    assert list(caught.value.details) == ["unit"]


def test_improvement_is_not_a_store_metric(stores):
    with pytest.raises(Invalid) as caught:
        board(stores, "improvement")
    assert list(caught.value.details) == ["metric"]


def test_points_board_is_cached_until_points_are_booked(stores):
    board(stores)
    hits = BOARDS.hits
    assert ranked(board(stores))[0] == (1, "S2", 2, 6.0)
    assert BOARDS.hits == hits + 2  # this month's and last month's boards
    stores.send(stores.ev("A4", "pos.sale", d(11, 16), times=10))  # 20 more at S1
    derive_points_job(stores.session, now=NOW)
    stores.session.commit()
    assert ranked(board(stores))[0] == (1, "S1", 5, 8.0)  # 40 ÷ 5


def test_adoption_board_follows_new_events_before_any_job_runs(stores):
    assert board(stores, "adoption_rate")["entries"][1]["value"] == 0.6
    stores.send(stores.ev("A4", "pos.sale", d(11, 16)))  # ingested only: the rollups change
    assert board(stores, "adoption_rate")["entries"][1]["value"] == 0.8  # 4 ÷ 5
