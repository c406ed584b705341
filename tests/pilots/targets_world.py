"""Sites for target tests (domain, HTTP and CLI).

NOW is Friday 2026-11-20 12:00 UTC, so yesterday is 11-19.
- A (pilot, region North), live since Monday 10-19: weeks 0 = [10-19, 10-25], 1 = [10-26, 11-01],
  2 = [11-02, 11-08], 3 = [11-09, 11-15] complete; 4 people; active: week 0 A1 (1 of 4 = 0.25),
  week 1 A1 A2 (0.5), week 2 A1 A2 (0.5), week 3 A1 A2 A3 (0.75).
- B (region South, wave 1), live since Monday 11-02: weeks 0 and 1 complete; 2 people;
  active: week 0 B1 (0.5), week 1 B1 B2 (1.0).
- C (wave 2), live since Monday 11-16: no complete week yet; 1 person.
- D: no go-live.
"""

from __future__ import annotations

from datetime import date

from tests.adoption.scoring.test_proficiency import Scenario

ACTIVE = {
    "A": {"A1": [date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3), date(2026, 11, 10)],
          "A2": [date(2026, 10, 28), date(2026, 11, 4), date(2026, 11, 11)],
          "A3": [date(2026, 11, 12)], "A4": []},
    "B": {"B1": [date(2026, 11, 3), date(2026, 11, 10)], "B2": [date(2026, 11, 11)]},
    "C": {"C1": [date(2026, 11, 17)]},
    "D": {"D1": [date(2026, 11, 17)]},
}  # fmt: skip
SITES = {
    "A": {"go_live_on": date(2026, 10, 19), "is_pilot": True, "region": "North"},
    "B": {"go_live_on": date(2026, 11, 2), "region": "South", "wave": 1},
    "C": {"go_live_on": date(2026, 11, 16), "wave": 2},
    "D": {},
}
ADOPTION_BY_WEEK_3 = {
    "name": "Adoption 80% by week 3",
    "metric": "adoption_rate",
    "population": "all",
    "comparison": ">=",
    "threshold": 0.8,
    "deadline_week": 3,
}


def build(session) -> Scenario:
    scn = Scenario(session).feature("pos.sale", is_core=True)
    for code, values in SITES.items():
        scn.site(code, **values)
        for user, days in ACTIVE[code].items():
            scn.person(user, code)
            if days:
                scn.send(*(scn.ev(user, "pos.sale", day) for day in days))
    session.commit()
    return scn
