"""The one privacy rule (`adoption.privacy`, docs/privacy.md) as a table, and what it withholds
from a site behind its wave (`adoption.usage.visible`)."""

from __future__ import annotations

from datetime import date

import pytest

from adoption.masterdata import records
from adoption.privacy import (
    PUBLIC,
    Person,
    Viewer,
    as_seen_by,
    group_row,
    named_in_ranking,
    sees_person,
    shows_group,
)
from adoption.scoring.rules import load_rules
from adoption.usage.visible import visible_insights
from tests.adoption.scoring.test_proficiency import NOW, Scenario

S1, S2 = 1, 2
CLERK = Person(employee_id=10, site_id=S1)
OPTED_OUT = Person(employee_id=11, site_id=S1, opted_out=True)
VIEWERS = {
    "hr": Viewer("hr"),
    "admin": Viewer("admin"),
    "own manager": Viewer("manager", frozenset({S1, S2})),
    "other manager": Viewer("manager", frozenset({S2})),
    "rollout lead": Viewer("rollout_lead"),
    "colleague": Viewer("employee", employee_id=12),
    "tv": PUBLIC,
}


@pytest.mark.parametrize(
    ("viewer", "individual", "ranked", "ranked_opted_out"),
    [
        ("hr", True, True, True),
        ("admin", True, True, True),
        ("own manager", True, True, False),
        ("other manager", False, False, False),
        ("rollout lead", False, False, False),
        ("colleague", False, False, False),
        ("tv", False, False, False),
    ],
)
def test_who_sees_whom_by_name(viewer, individual, ranked, ranked_opted_out):
    v = VIEWERS[viewer]
    assert sees_person(v, CLERK) is individual
    assert sees_person(v, OPTED_OUT) is individual  # coaching is not a ranking
    assert named_in_ranking(v, CLERK) is ranked
    assert named_in_ranking(v, OPTED_OUT) is ranked_opted_out


@pytest.mark.parametrize("person", [CLERK, OPTED_OUT])
def test_a_person_always_sees_itself(person):
    me = Viewer("employee", employee_id=person.employee_id)
    assert sees_person(me, person) and named_in_ranking(me, person)


@pytest.mark.parametrize(
    ("viewer", "size", "shown"),
    [
        ("own manager", 4, False),
        ("own manager", 5, True),
        ("rollout lead", 0, False),
        ("hr", 4, True),
        ("admin", 1, True),
        ("hr", None, True),
    ],
)
def test_groups_under_the_minimum_are_withheld_except_from_hr_and_admin(viewer, size, shown):
    assert shows_group(VIEWERS[viewer], size, min_group=5) is shown


def test_an_anonymous_row_keeps_its_figures():
    row = {"user_id": "E1", "display_name": "Ann", "days_silent": 9, "hired_on": date(2026, 1, 2)}
    seen = as_seen_by(PUBLIC, CLERK, row, also_hide=("hired_on",))
    assert seen == {
        "user_id": None,
        "display_name": "Anonymous",
        "days_silent": 9,
        "hired_on": None,
    }


def test_a_withheld_group_names_its_reason():
    row = {"site_id": "S1", "population": 3, "adoption_rate": 0.5}
    seen = group_row(
        VIEWERS["rollout lead"], row, size=3, figures=("population", "adoption_rate"), min_group=5
    )
    assert seen == {
        "site_id": "S1",
        "population": None,
        "adoption_rate": None,
        "suppressed": True,
        "suppressed_reason": "fewer than 5 people",
    }


@pytest.fixture
def wave(session) -> Scenario:
    """Wave 2: W1 and W3 with 5 people each, all active; W2 with 2 people, one active."""
    scn = Scenario(session)
    scn.feature("pos.sale")
    for code, size in (("W1", 5), ("W2", 2), ("W3", 5)):
        scn.site(code, go_live_on=date(2026, 10, 26), wave=2)
        for i in range(size):
            scn.person(f"{code}{i}", code)
    people = [f"{c}{i}" for c, n in (("W1", 5), ("W3", 5)) for i in range(n)] + ["W20"]
    scn.send(*(scn.ev(p, "pos.sale", date(2026, 11, 10)) for p in people))
    return scn


def _behind(scn: Scenario, viewer: Viewer) -> list[dict]:
    sites = [records.get_site(scn.session, c) for c in ("W1", "W2", "W3")]
    rules = load_rules(scn.session)
    first, last = date(2026, 11, 13), date(2026, 11, 19)
    return visible_insights(
        scn.session,
        viewer=viewer,
        min_group=5,
        sites=sites,
        first=first,
        last=last,
        now=NOW,
        rules=rules,
    )["sites_behind"]


def test_a_small_site_behind_its_wave_keeps_its_place_not_its_figures(wave):
    # week 2 = [11-09, 11-15]: W1 1.0, W2 ½, W3 1.0 → median 1.0; W2 trails by 0.5
    (w2,) = _behind(wave, VIEWERS["rollout lead"])
    assert (w2["site_id"], w2["wave_median"], w2["adoption_rate"], w2["gap"]) == (
        "W2",
        1.0,
        None,
        None,
    )
    assert (w2["population"], w2["suppressed"]) == (None, True)


def test_hr_sees_a_small_site_behind_its_wave_with_its_figures(wave):
    (w2,) = _behind(wave, VIEWERS["hr"])
    assert (w2["population"], w2["adoption_rate"], w2["gap"], w2["suppressed"]) == (
        2,
        0.5,
        0.5,
        False,
    )
