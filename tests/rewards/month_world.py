"""Hand-built months for badge, champion and export tests.

Activity goes through the real ingest path (tests.adoption.scoring.test_proficiency.Scenario);
points are
booked straight into the ledger so each test sets totals and earned_at exactly. `pos.sale` (core,
expected 1000 ms) earns no feature points, so deriving the ledger never adds to the hand-booked
rows; `pos.tip` (not core) earns 5 points a success for tests of derived points.

The usual working pattern is 4 timed (500 ms) sales a day: on its fifth active day a person has
20 core attempts, enough evidence for Proficient. With everyone at a site working the same days,
the month-end score (window 10-04 … 10-31) of someone with s successes and e errors is
100 × (0.35 · 1 + 0.25 · (s + 1) ÷ (s + e + 2) + 0.20 · 1 + 0.20 · 1):
s = 20, e = 0 → 35 + 25 · 21/22 + 40 = 98.8636 → 98.86 (Expert);
s = 20, e = 2 → 35 + 25 · 21/24 + 40 = 96.875 → 96.88 (Expert).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from adoption.masterdata import records
from rewards import ledger
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at

OCT = "2026-10"
CLOSE_AT = NOW  # 2026-11-20 12:00 UTC: October is over everywhere
WORK_DAYS = (10, 11, 12, 13, 14)


def d(day: int, month: int = 10) -> date:
    return date(2026, month, day)


def utc(day: int, hour: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


class Month(Scenario):
    """A Scenario with October helpers: work days and hand-booked points."""

    def catalog(self) -> Month:
        self.feature("pos.sale", is_core=True, expected_ms=1000, points=0)
        self.feature("pos.login", is_core=False, points=0)
        self.feature("pos.tip", is_core=False, points=5)
        self.session.commit()
        return self

    def work(
        self,
        user: str,
        days=WORK_DAYS,
        *,
        per_day: int = 4,
        errors: int = 0,
        site: str | None = None,
        action: str = "pos.sale",
        month: int = 10,
    ) -> Month:
        """`per_day` timed successes on each day; `errors` extra errors on the first day."""
        groups = [
            self.ev(user, action, d(day, month), site=site, duration_ms=500, times=per_day)
            for day in days
        ]
        if errors:
            first = d(days[0], month)
            groups.append(self.ev(user, action, first, site=site, outcome="error", times=errors))
        self.send(*groups)
        return self

    def book(self, user: str, points: int, earned_at: datetime, site: str | None = None):
        """A hand-booked ledger row at `site` (default: the home site) on earned_at's UTC day."""
        emp = records.get_employee(self.session, user)
        site_id = records.get_site(self.session, site).id if site else emp.site_id
        row = {
            "employee_id": emp.id,
            "site_id": site_id,
            "feature_id": None,
            "local_day": earned_at.date(),
            "points": points,
            "earned_at": earned_at,
            "rule": "test:manual",
            "reason": "booked by the test",
            "created_at": NOW,
        }
        ledger.book(self.session, [row])
        self.session.commit()
        return self

    def tip(self, user: str, day: date, times: int = 1, now: datetime = NOW) -> Month:
        self.send(self.ev(user, "pos.tip", at(day, 15), times=times), now=now)
        return self


def hostile_month(session) -> Month:
    """The `month` of export tests: S1 with E1 named by a hostile roster; E1 is October's
    champion with 12 points."""
    scn = Month(session).site("S1").person("E1", "S1").catalog()
    scn.work("E1").book("E1", 12, utc(14, 9))
    records.get_employee(session, "E1").display_name = "=1+1"
    session.commit()
    return scn
