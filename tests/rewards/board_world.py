"""A small chain with hand-computed points for leaderboard tests (domain and HTTP).

NOW is 2026-11-20 12:00 UTC, so yesterday is 11-19. Week 2026-W46 is Mon 11-09 to Sun 11-15.
"""

from __future__ import annotations

from datetime import date

from rewards.points import derive_points_job
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def board_chain(session) -> Scenario:
    """The `chain` of leaderboard tests: S1, S2 (region North) and S3 (South); pos.sale earns
    2 points, uncapped.

    S1's roster: A, B, C, H (opted out), I (no events), F (left 10-31), J (hired 11-16);
    D's home is S2, E's is S3; G is unrostered (first seen in an event at S1).
    """
    scn = Scenario(session)
    scn.site("S1", region="North").site("S2", region="North").site("S3", region="South")
    scn.feature("pos.sale", points=2)
    for user in ("A", "B", "C", "I"):
        scn.person(user, "S1")
    scn.person("H", "S1", public_opt_out=True)
    scn.person("F", "S1", left_on=d(10, 31)).person("J", "S1", hired_on=d(11, 16))
    scn.person("D", "S2").person("E", "S3")
    e = scn.ev
    scn.send(
        e("A", "pos.sale", d(11, 10), times=3),  # 6 at S1
        e("A", "pos.sale", d(11, 11), site="S2"),  # 2 at S2
        e("B", "pos.sale", d(11, 12), times=3),  # 6
        e("C", "pos.sale", d(11, 13)),  # 2 in W46
        e("C", "pos.sale", d(11, 3), times=5),  # 10 in W45
        e("H", "pos.sale", d(11, 14), times=5),  # 10
        e("D", "pos.sale", d(11, 10), times=4),  # 8 at S2
        e("E", "pos.sale", d(11, 10), times=2),  # 4 at S3
        e("G", "pos.sale", d(11, 10), site="S1"),  # unrostered
        e("F", "pos.sale", d(10, 20)),  # 2, before F left
    )
    derive_points_job(session, now=NOW)
    session.commit()
    return scn
