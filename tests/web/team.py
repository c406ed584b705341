"""A small team at S1 with hand-computed boards (NOW is Fri 2026-11-20 12:00 UTC, yesterday 11-19).

Features: pos.sale core, 2 points, daily cap 6; pos.refund core, 3 points, no cap; pos.void
(not core), 1 point, daily cap 5. S1's team: A, B, C, D and H (opted out); X's home is S2.

| who | events (all at noon, at the home site)                  | W46  | W47 (11-16..19) | 2026-11 |
| A   | 2 sales 11-17                                           | 0    | 4               | 4       |
| B   | 3 sales 11-10, 1 sale 11-18                             | 6    | 2               | 8       |
| C   | 1 sale 11-11; refund 11-18: 1 success, 6 errors         | 2    | 3               | 5       |
| D   | 1 sale on each of 10-25, 10-27, 10-29 (October: 6)      | 0    | 0               | 0       |
| H   | 3 sales 11-16                                           | 0    | 6               | 6       |
| X   | 1 sale on each of 10-25, 10-27 at S2                    |      |                 |         |

S1's busy days in the 28-day window of 11-19 ([10-23, 11-19]): 10-25, 10-27, 10-29, 11-10,
11-11, 11-16, 11-17, 11-18 = 8. D is dormant on 11-19 (last success 10-29, 21 days silent);
C struggles: core accuracy (2 + 1) ÷ (8 + 2) = 0.30 over 8 core attempts, 6 errors on pos.refund.
C holds the one badge (Explorer: both core features used successfully).
"""

from __future__ import annotations

from datetime import date

from rewards.badges import award_badges
from rewards.points import derive_points_job
from tests.adoption.scoring.test_proficiency import NOW, Scenario


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def build_team(session) -> Scenario:
    scn = Scenario(session)
    scn.site("S1").site("S2")
    scn.feature("pos.sale", is_core=True, points=2, daily_cap=6)
    scn.feature("pos.refund", is_core=True, points=3)
    scn.feature("pos.void", points=1, daily_cap=5)
    for user in ("A", "B", "C", "D"):
        scn.person(user, "S1")
    scn.person("H", "S1", public_opt_out=True).person("X", "S2")
    e = scn.ev
    scn.send(
        e("A", "pos.sale", d(11, 17), times=2),
        e("B", "pos.sale", d(11, 10), times=3),
        e("B", "pos.sale", d(11, 18)),
        e("C", "pos.sale", d(11, 11)),
        e("C", "pos.refund", d(11, 18)),
        e("C", "pos.refund", d(11, 18), outcome="error", times=6),
        *(e("D", "pos.sale", d(10, day)) for day in (25, 27, 29)),
        e("H", "pos.sale", d(11, 16), times=3),
        *(e("X", "pos.sale", d(10, day)) for day in (25, 27)),
    )
    derive_points_job(session, now=NOW)
    award_badges(session, now=NOW, as_of=d(11, 19))
    session.commit()
    return scn
