"""Sites and rules for readiness gate tests (domain, HTTP and CLI).

NOW is Friday 2026-11-20 12:00 UTC, so yesterday is 11-19. A site live since Monday 11-02 has
week 0 = [11-02, 11-08] and week 1 = [11-09, 11-15] complete; week 2 = [11-16, 11-22] is not.
"""

from __future__ import annotations

from datetime import date

from pilots import readiness_rules
from tests.adoption.scoring.test_proficiency import NOW, Scenario

GO_LIVE = date(2026, 11, 2)
ADOPTION_80 = {
    "metric": "adoption_rate",
    "comparison": ">=",
    "threshold": 0.8,
    "weeks": 2,
    "scope": "pilots",
}


def d(day: int) -> date:
    return date(2026, 11, day)


def scenario(session) -> Scenario:
    """The `scn` of readiness tests: a Scenario whose one feature, pos.sale, is core."""
    return Scenario(session).feature("pos.sale", is_core=True)


def live_site(scn: Scenario, code: str, people: dict[str, list[int]], **values) -> None:
    """A site live since GO_LIVE whose people are active on the given November days."""
    values.setdefault("go_live_on", GO_LIVE)
    scn.site(code, **values)
    for user, days in people.items():
        scn.person(user, code)
        scn.send(*(scn.ev(user, "pos.sale", d(day)) for day in days))


def add_rule(session, **changes) -> dict:
    rule = readiness_rules.add_rule(session, {**ADOPTION_80, **changes}, now=NOW, actor="test")
    session.commit()
    return rule
