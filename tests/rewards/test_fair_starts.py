"""Fair starts (issue 13; DESIGN "Not started"): the rookie division of a board, a store before
its go-live, and people without a core attempt ranked after everyone with a score.

NOW is 2026-11-20 12:00 UTC (tests.adoption.scoring.test_proficiency).
"""

from __future__ import annotations

import pytest

from adoption.errors import Invalid
from adoption.masterdata import records
from adoption.privacy import Viewer
from rewards.leaderboards import leaderboard
from rewards.points_config import create_points_rules
from rewards.team import team_board
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.rewards.board_world import board_chain, d


@pytest.fixture
def chain(session) -> Scenario:
    return board_chain(session)


def board(scn, period="2026-11", division="all", metric="points") -> list[tuple]:
    result = leaderboard(
        scn.session,
        scope="site:S1",
        period=period,
        metric=metric,
        limit=50,
        viewer=Viewer("hr"),
        now=NOW,
        division=division,
    )
    return [(e["rank"], e["user_id"], e["value"], e["previous_rank"]) for e in result["entries"]]


def test_rookies_are_ranked_among_themselves_and_veterans_without_them(chain):
    # J was hired 11-16: 4 days before today (11-20), within 28 days. Nobody else has a hire
    # date, so everyone else is a veteran. J was not on October's board: no previous rank.
    assert board(chain, division="rookies") == [(1, "J", 0, None)]
    veterans = board(chain, division="veterans")
    assert [(rank, user, value) for rank, user, value, _before in veterans] == [
        (1, "C", 12),
        (2, "H", 10),
        (3, "A", 6),
        (3, "B", 6),
        (5, "I", 0),  # 5th of 5: J's 0 no longer shares the rank
    ]


def test_the_rookie_window_comes_from_the_points_config(chain):
    create_points_rules(chain.session, {"rookie_days": 3}, now=NOW, actor="test")
    chain.session.commit()
    # 11-16 is 4 days before 11-20: no longer within 3 days, so nobody is a rookie.
    assert board(chain, division="rookies") == []
    assert "J" in {user for _rank, user, _v, _b in board(chain, division="veterans")}


def test_a_past_period_counts_rookies_from_its_own_last_day(chain):
    chain.person("K", "S1", hired_on=d(10, 10))
    chain.session.commit()
    # October's last day is 10-31: K (hired 10-10) is within 28 days of it; on November's
    # board (until 11-20) K is not.
    assert [u for _r, u, _v, _b in board(chain, "2026-10", "rookies")] == ["K"]
    assert [u for _r, u, _v, _b in board(chain, "2026-11", "rookies")] == ["J"]


def test_an_unknown_division_is_refused_naming_it(chain):
    with pytest.raises(Invalid) as caught:
        board(chain, division="juniors")
    assert "division" in caught.value.details


def test_a_store_before_its_go_live_shows_the_date_and_ranks_nobody(chain):
    site = records.get_site(chain.session, "S1")
    site.go_live_on = d(12, 1)
    chain.session.commit()
    shown = team_board(
        chain.session, site, period="month", metric="points", viewer=Viewer("hr"), now=NOW
    )
    assert shown.goes_live_on == d(12, 1)
    assert shown.rows == []
    site.go_live_on = d(11, 20)  # live today: the board is back
    chain.session.commit()
    shown = team_board(
        chain.session, site, period="month", metric="points", viewer=Viewer("hr"), now=NOW
    )
    assert shown.goes_live_on is None
    assert [r.user_id for r in shown.rows][:2] == ["C", "H"]


def test_people_without_a_core_attempt_have_no_score_and_rank_last(session):
    scn = Scenario(session)
    scn.site("S1")
    scn.feature("pos.sale", is_core=True)
    scn.feature("pos.login")
    for user in ("A", "N", "Z"):
        scn.person(user, "S1")
    e = scn.ev
    # A tries a core feature; N only logs in (not core); Z does nothing at all.
    scn.send(e("A", "pos.sale", d(11, 18)), e("N", "pos.login", d(11, 18), times=5))
    session.commit()
    ranked = board(scn, metric="proficiency")
    assert [(rank, user) for rank, user, _value, _b in ranked] == [(1, "A"), (2, "N"), (2, "Z")]
    values = {user: value for _rank, user, value, _b in ranked}
    assert values["A"] is not None and values["N"] is None and values["Z"] is None
