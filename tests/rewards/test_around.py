"""Around me (rewards.around) on the hand-computed chain of tests.rewards.board_world.

S1's points board of 2026-W46: H 10 (#1), A 6 and B 6 (#2, #2), C 2 (#4), I 0 (#5).
"""

from __future__ import annotations

import pytest

from adoption.errors import Invalid, NotFound
from adoption.masterdata.records import get_employee
from adoption.privacy import Viewer
from rewards.around import around, window_bounds
from rewards.board_cache import BOARDS
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.rewards.board_world import board_chain


@pytest.fixture
def chain(session) -> Scenario:
    return board_chain(session)


def window(scn, user, n, *, period="2026-W46", metric="points", viewer=None) -> dict:
    employee = get_employee(scn.session, user)
    return around(
        scn.session,
        scope="site:S1",
        period=period,
        metric=metric,
        employee=employee,
        asked=user,
        n=n,
        viewer=viewer or Viewer("hr"),
        now=NOW,
    )


def rows(result) -> list[tuple]:
    return [(e["rank"], e["user_id"], e["value"]) for e in result["entries"]]


def test_window_takes_n_rows_either_side(chain):
    # B is at index 2: index 1 (A) and 3 (C) with n = 1.
    assert rows(window(chain, "B", 1)) == [(2, "A", 6), (2, "B", 6), (4, "C", 2)]


def test_a_tie_at_the_top_edge_is_kept_together(chain):
    # C (index 3) with n = 1 reaches B (index 2, #2); A shares #2, so the window widens to A.
    assert rows(window(chain, "C", 1)) == [(2, "A", 6), (2, "B", 6), (4, "C", 2), (5, "I", 0)]


def test_a_tie_at_the_bottom_edge_is_kept_together(chain):
    # A (index 1) with n = 0 is alone, but B shares #2: the window takes B too.
    assert rows(window(chain, "A", 0)) == [(2, "A", 6), (2, "B", 6)]


def test_the_window_stops_at_the_board_edges(chain):
    assert rows(window(chain, "H", 2)) == [(1, "H", 10), (2, "A", 6), (2, "B", 6)]
    assert rows(window(chain, "I", 2))[-1] == (5, "I", 0)


def test_gap_is_the_value_still_missing_to_the_rank_above(chain):
    assert window(chain, "C", 2)["gap"] == {"rank": 2, "points": 4}  # 6 − 2
    assert window(chain, "B", 2)["gap"] == {"rank": 1, "points": 4}  # 10 − 6, above the tie
    assert window(chain, "I", 0)["gap"] == {"rank": 4, "points": 2}  # 2 − 0


def test_gap_is_null_for_the_first(chain):
    result = window(chain, "H", 2)
    assert (result["rank"], result["value"], result["gap"]) == (1, 10, None)


def test_the_answer_names_the_person_their_rank_and_the_board(chain):
    result = window(chain, "C", 1)
    assert {k: result[k] for k in ("scope", "period", "metric", "user_id", "rank", "of")} == {
        "scope": "site:S1",
        "period": "2026-W46",
        "metric": "points",
        "user_id": "C",
        "rank": 4,
        "of": 5,
    }


def test_rows_carry_rank_change_like_the_board(chain):
    # W45: C 10 (#1), everyone else 0 (#2); in W46 C is #4: down 3. I: #2 → #5.
    entries = {e["user_id"]: e for e in window(chain, "C", 1)["entries"]}
    assert (entries["C"]["previous_rank"], entries["C"]["change"]) == (1, -3)
    entries = {e["user_id"]: e for e in window(chain, "I", 0)["entries"]}
    assert (entries["I"]["previous_rank"], entries["I"]["change"]) == (2, -3)


def test_anonymous_rows_stay_anonymous_in_the_window(chain):
    a = get_employee(chain.session, "A")
    me = Viewer("employee", employee_id=a.id, home_site_id=a.site_id)
    result = window(chain, "A", 1, viewer=me)
    # H (opted out) and B are colleagues: Anonymous, no rank change; A sees itself.
    assert [(e["rank"], e["user_id"], e["display_name"]) for e in result["entries"]] == [
        (1, None, "Anonymous"),
        (2, "A", "Person A"),
        (2, None, "Anonymous"),
    ]
    assert [e["previous_rank"] for e in result["entries"]][::2] == [None, None]


def test_someone_not_on_the_board_is_404_naming_the_user_id(chain):
    with pytest.raises(NotFound) as caught:
        window(chain, "F", 2)  # F left on 10-31: not on the W46 board
    assert caught.value.details == {"user_id": "F"}


@pytest.mark.parametrize("n", [-1, 11])
def test_n_outside_0_to_10_is_invalid_naming_n(chain, n):
    with pytest.raises(Invalid) as caught:
        window(chain, "A", n)
    assert list(caught.value.details) == ["n"]


def test_the_window_reads_the_cached_board(chain):
    window(chain, "A", 1)
    hits = BOARDS.hits
    window(chain, "C", 1)  # same board: this week's and last week's both cached
    assert BOARDS.hits >= hits + 2


def test_window_bounds_widen_over_a_long_tie():
    # ranks 1, 2, 2, 2, 2, 6: row 4 (#2) with n = 0 takes the whole #2 group.
    assert window_bounds([1, 2, 2, 2, 2, 6], 4, 0) == (1, 4)
    assert window_bounds([1, 2, 2, 2, 2, 6], 5, 1) == (1, 5)
