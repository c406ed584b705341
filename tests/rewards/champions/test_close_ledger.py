"""What closing a month reads of the ledger: the pairs it re-derives (`lagging_pairs`) and the
time of each leader's last points (`last_points_at`), on random worlds against doing it all.

Each example wipes the database and sends its events through the real ingest path: some
derived by the points job, then a catalogue change and late events it has not seen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adoption.masterdata import feature_records, records
from adoption.models import Employee
from rewards.champions.data import last_points_at
from rewards.champions.months import close_month, lagging_pairs
from rewards.models import PointsLedger
from rewards.points import FEATURE_RULE, derive_points, derive_points_job, desired_points
from rewards.points import pairs_between as all_pairs
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.adoption.scoring.test_proficiency_properties import wipe
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d, utc

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
LATER = NOW + timedelta(hours=1)
SITES = (("S1", "UTC"), ("S2", "America/New_York"), ("S3", "Asia/Kolkata"))
PEOPLE = (("E1", "S1"), ("E2", "S2"), ("E3", "S1"))
ACTIONS = ("pos.a", "pos.b", "pos.c", "pos.d")
MOVED_BY = {"now": LATER, "actor": "test", "default_tz": "UTC"}
START = datetime(2026, 9, 30, 12, tzinfo=UTC)
DB_EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

caps = st.none() | st.integers(0, 8)
features = st.fixed_dictionaries({"points": st.integers(0, 4), "daily_cap": caps})
edits = st.fixed_dictionaries({"points": st.integers(0, 4)}) | st.fixed_dictionaries(
    {"daily_cap": caps}
)
events = st.tuples(  # E1 and pos.a more often, so days at several sites share a cap
    st.sampled_from(["E1", "E1", *(p for p, _ in PEOPLE)]),
    st.sampled_from([s for s, _ in SITES]),
    st.sampled_from(["pos.a", "pos.a", *ACTIONS]),
    st.sampled_from([0, 1, 15, 30, 31]).flatmap(  # days after START: the month's edges,
        lambda day: st.integers(day * 1440, day * 1440 + 1439)  # few of them, so caps bind
    ),
    st.sampled_from(["success", "success", "success", "error"]),
)


@st.composite
def histories(draw) -> dict:
    """A catalogue (pos.d maybe an alias of pos.a), events the points job derived, then maybe
    a change of one feature's points or its cap, a site moved to another timezone (its events
    change local day), and late events the job has not seen."""
    catalog = {action: draw(features) for action in ACTIONS}
    if draw(st.booleans()):
        catalog["pos.d"]["alias_of"] = "pos.a"
    change = draw(st.none() | st.tuples(st.sampled_from(ACTIONS[:3]), edits))
    return {
        "catalog": catalog,
        "derived": draw(st.lists(events, min_size=6, max_size=30)),
        "change": change,
        "moved": draw(st.none() | st.sampled_from([s for s, _ in SITES])),
        "late": draw(st.lists(events, max_size=15)),
    }


def load(session, history: dict) -> Scenario:
    wipe(session)
    scn = Scenario(session)
    for code, tz in SITES:
        scn.site(code, tz=tz)
    for user, home in PEOPLE:
        scn.person(user, home)
    for action, values in history["catalog"].items():
        scn.feature(action, **values)
    session.commit()
    send(scn, history["derived"], NOW)
    derive_points_job(session, now=NOW)
    session.commit()
    if history["change"]:
        action, values = history["change"]
        feature_records.put_feature(session, action, values, now=LATER)
        session.commit()
    if history["moved"]:
        records.put_site(session, history["moved"], {"timezone": "Pacific/Auckland"}, **MOVED_BY)
        session.commit()
    send(scn, history["late"], LATER)
    return scn


def send(scn: Scenario, rows: list[tuple], now: datetime) -> None:
    groups = [
        scn.ev(user, action, (START + timedelta(minutes=minute)).isoformat(), site=site, outcome=o)
        for user, site, action, minute, o in rows
    ]
    if groups:
        scn.send(*groups, now=now)


def scn_id(scn: Scenario, user: str = "E1") -> int:
    return records.get_employee(scn.session, user).id


@DB_EXAMPLES
@given(history=histories())
def test_deriving_the_lagging_pairs_leaves_no_pair_of_the_month_to_derive(session, history):
    load(session, history)
    derive_points(session, lagging_pairs(session, FIRST, LAST), now=LATER)
    assert derive_points(session, all_pairs(session, FIRST, LAST), now=LATER) == 0


@DB_EXAMPLES
@given(history=histories())
def test_last_points_at_home_equal_the_latest_booking_over_every_day(session, history):
    load(session, history)
    homes = dict(session.execute(select(Employee.id, Employee.site_id)).all())
    expected: dict[int, datetime] = {}
    for (employee, site, _feature, _day), booking in desired_points(
        session, all_pairs(session, FIRST, LAST)
    ).items():
        if site == homes[employee] and booking.points > 0 and booking.earned_at is not None:
            expected[employee] = max(expected.get(employee, booking.earned_at), booking.earned_at)
    assert last_points_at(session, homes, FIRST, LAST) == expected


@DB_EXAMPLES
@given(before=features, edit=edits, sales=st.tuples(st.integers(0, 4), st.integers(0, 4)))
def test_a_day_at_two_sites_then_a_catalogue_edit_leaves_no_pair_to_derive(
    session, before, edit, sales
):
    wipe(session)
    scn = Scenario(session).site("S1").site("S2").person("E1", "S1").feature("pos.a", **before)
    at_s1, at_s2 = sales
    scn.send(
        scn.ev("E1", "pos.a", d(5), times=at_s1),
        scn.ev("E1", "pos.a", d(5), site="S2", times=at_s2),
    )
    derive_points_job(session, now=NOW)
    feature_records.put_feature(session, "pos.a", edit, now=LATER)
    derive_points(session, lagging_pairs(session, FIRST, LAST), now=LATER)
    assert derive_points(session, all_pairs(session, FIRST, LAST), now=LATER) == 0


def test_a_world_in_line_has_no_lagging_pair(session):
    # pos.a: 2 points, cap 3; E1 sells 3 times at S1 on 10-05 (3 points) and once at S2 on
    # 10-06 (2 points): one site a day, so the rollups decide both days.
    scn = Scenario(session).site("S1").site("S2").person("E1", "S1")
    scn.feature("pos.a", points=2, daily_cap=3)
    scn.send(scn.ev("E1", "pos.a", d(5), times=3), scn.ev("E1", "pos.a", d(6), site="S2"))
    derive_points_job(session, now=NOW)
    assert lagging_pairs(session, FIRST, LAST) == set()


def test_a_capped_day_at_two_sites_is_left_to_the_derivation(session):
    # 2 points, cap 3, sales at S1 and S2 on 10-05: which site earns the last point depends on
    # the order of the events, which the rollups do not keep.
    scn = Scenario(session).site("S1").site("S2").person("E1", "S1")
    scn.feature("pos.a", points=2, daily_cap=3)
    scn.send(scn.ev("E1", "pos.a", d(5)), scn.ev("E1", "pos.a", d(5), site="S2"))
    derive_points_job(session, now=NOW)
    assert lagging_pairs(session, FIRST, LAST) == {(scn_id(scn), d(5))}


def test_a_cap_lowered_after_a_day_at_two_sites_was_derived_is_left_to_the_derivation(session):
    # 2 points, no cap: a sale at S1 and one at S2 on 10-05 book 2 + 2. With a cap of 3 the
    # ledger still holds successes × points at each site, but one of them must now give a point.
    scn = Scenario(session).site("S1").site("S2").person("E1", "S1")
    scn.feature("pos.a", points=2)
    scn.send(scn.ev("E1", "pos.a", d(5)), scn.ev("E1", "pos.a", d(5), site="S2"))
    derive_points_job(session, now=NOW)
    feature_records.put_feature(session, "pos.a", {"daily_cap": 3}, now=LATER)
    assert lagging_pairs(session, FIRST, LAST) == {(scn_id(scn), d(5))}


def test_closing_books_the_events_the_points_job_has_not_seen(session):
    # E2 has 12 points booked; E1's three tips on 10-20 (5 points each) reach no job before
    # the close, which books them: E1 wins with 15.
    scn = Month(session).site("S1").person("E1", "S1").person("E2", "S1").catalog()
    scn.work("E1").work("E2").book("E2", 12, utc(14, 9))
    scn.tip("E1", d(20), times=3)
    closed = close_month(session, OCT, now=CLOSE_AT, actor="hr")
    assert (closed["champions"][0]["user_id"], closed["champions"][0]["points"]) == ("E1", 15)
    pl = PointsLedger
    rows = session.execute(
        select(pl.local_day, pl.points).where(
            pl.rule == FEATURE_RULE, pl.employee_id == scn_id(scn)
        )
    )
    assert rows.all() == [(d(20), 15)]
