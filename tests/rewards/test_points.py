"""The points ledger of DESIGN.md "Points": caps, local days, sites, aliases, corrections, freezing.

Events go through the real ingest path (tests.adoption.scoring.test_proficiency.Scenario); the
ledger is
derived by the job the scheduler and `uptake jobs run points` call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from adoption.masterdata import feature_records
from adoption.models import Feature, Site
from api.cli.main import main
from rewards.models import ChampionPeriod, PointsLedger
from rewards.points import derive_points_job, rebuild_points
from tests.adoption.scoring.test_proficiency import NOW, Scenario, at

DAY = date(2026, 11, 10)
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def scn(session) -> Scenario:
    """S1 and S2 (UTC), S3 (Europe/Berlin); E1 at home in S1, E3 in S3."""
    scn = Scenario(session)
    scn.site("S1").site("S2").site("S3", tz="Europe/Berlin")
    scn.person("E1", "S1").person("E3", "S3")
    return scn


def derive(scn: Scenario, since: datetime | None = None, now: datetime = NOW) -> dict:
    result = derive_points_job(scn.session, now=now, since=since)
    scn.session.commit()
    return result


def totals(session, by: str = "day") -> dict:
    """Non-zero ledger points summed per (site code, local day) or per feature action."""
    key = {"day": (Site.code, PointsLedger.local_day), "feature": (Feature.action,)}[by]
    rows = session.execute(
        select(*key, func.sum(PointsLedger.points))
        .join(Site, Site.id == PointsLedger.site_id)
        .join(Feature, Feature.id == PointsLedger.feature_id)
        .group_by(*key)
    )
    # A booking corrected back to zero is no total.
    return {tuple(r[:-1]) if len(r) > 2 else r[0]: int(r[-1]) for r in rows if r[-1]}


def ledger_rows(session) -> list[tuple[int, int]]:
    return session.execute(
        select(PointsLedger.id, PointsLedger.points).order_by(PointsLedger.id)
    ).all()


def sales(scn: Scenario, times: int, hour: int = 9, **kwargs) -> list[dict]:
    """`times` pos.sale events by E1 on DAY, one minute apart from `hour`:00 UTC."""
    return [scn.ev("E1", "pos.sale", at(DAY, hour, n), **kwargs)[0] for n in range(times)]


def test_reaching_the_cap_exactly_books_the_cap(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    scn.send(sales(scn, 3))
    derive(scn)
    assert totals(scn.session) == {("S1", DAY): 6}  # 2 + 2 + 2 = 6 = cap


def test_a_success_past_the_cap_earns_nothing(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    scn.send(sales(scn, 4))
    derive(scn)
    assert totals(scn.session) == {("S1", DAY): 6}  # 2 + 2 + 2 + 0


def test_earned_at_is_the_last_event_that_earned_points(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    scn.send(sales(scn, 4))  # 09:00, 09:01, 09:02 earn; 09:03 is past the cap
    derive(scn)
    earned_at = scn.session.scalar(select(PointsLedger.earned_at))
    assert earned_at == datetime(2026, 11, 10, 9, 2, tzinfo=UTC)


def test_points_not_dividing_the_cap_earn_the_remainder(scn):
    scn.feature("pos.sale", points=4, daily_cap=10)
    scn.send(sales(scn, 4))
    derive(scn)
    assert totals(scn.session) == {("S1", DAY): 10}  # 4 + 4 + 2 (remainder) + 0


def test_errors_earn_nothing(scn):
    scn.feature("pos.sale", points=3)
    scn.send(sales(scn, 2, outcome="error"), sales(scn, 1, hour=10))
    derive(scn)
    assert totals(scn.session) == {("S1", DAY): 3}  # only the one success: 1 × 3


def test_duplicate_events_earn_nothing(scn):
    scn.feature("pos.sale", points=3)
    event = sales(scn, 1)
    scn.send(event, event)  # the same event twice in a batch
    scn.send(event, now=LATER)  # and resent later
    derive(scn)
    assert totals(scn.session) == {("S1", DAY): 3}  # one event: 1 × 3


def test_local_midnight_splits_the_cap_across_two_days(scn):
    scn.feature("pos.sale", points=2, daily_cap=2)
    berlin = "Europe/Berlin"
    scn.send(
        scn.ev("E3", "pos.sale", at(DAY, 23, 58, tz=berlin)),
        scn.ev("E3", "pos.sale", at(DAY + timedelta(days=1), 0, 3, tz=berlin)),  # 5 min later
    )
    derive(scn)
    # Two local days, each capped at 2: 2 + 2 (one day would have stopped at 2).
    assert totals(scn.session) == {("S3", DAY): 2, ("S3", DAY + timedelta(days=1)): 2}


def test_points_go_to_sites_in_occurred_at_order(scn):
    scn.feature("pos.sale", points=2, daily_cap=5)
    scn.send(
        scn.ev("E1", "pos.sale", at(DAY, 11), site="S1"),
        scn.ev("E1", "pos.sale", at(DAY, 9), site="S1"),
        scn.ev("E1", "pos.sale", at(DAY, 10), site="S2"),
    )
    derive(scn)
    # 09:00 S1 earns 2, 10:00 S2 earns 2, 11:00 S1 earns the remaining 1 (cap 5).
    assert totals(scn.session) == {("S1", DAY): 3, ("S2", DAY): 2}


def test_events_at_the_same_instant_go_in_event_id_order(scn):
    scn.feature("pos.sale", points=1, daily_cap=1)
    (first,) = scn.ev("E1", "pos.sale", at(DAY, 9), site="S1")
    (second,) = scn.ev("E1", "pos.sale", at(DAY, 9), site="S2")
    scn.send([dict(first, event_id="b"), dict(second, event_id="a")])
    derive(scn)
    assert totals(scn.session) == {("S2", DAY): 1}  # "a" (at S2) comes first and takes the cap


def test_an_alias_counts_toward_its_canonical_features_cap(scn):
    scn.feature("pos.refund", points=1, daily_cap=3)
    scn.feature("pos.refund.v2", alias_of="pos.refund", points=5)
    scn.send(
        scn.ev("E1", "pos.refund", at(DAY, 9), times=2),
        scn.ev("E1", "pos.refund.v2", at(DAY, 10), times=2),
    )
    derive(scn)
    # Four refunds of the canonical pos.refund at 1 point, capped at 3.
    assert totals(scn.session, by="feature") == {"pos.refund": 3}


def test_raised_points_are_booked_as_a_correction_row(scn):
    scn.feature("pos.sale", points=2)
    scn.send(sales(scn, 3))
    derive(scn)
    before = ledger_rows(scn.session)
    feature_records.put_feature(scn.session, "pos.sale", {"points": 3}, now=LATER)
    scn.session.commit()
    derive(scn, since=LATER, now=LATER)
    rows = ledger_rows(scn.session)
    assert rows[: len(before)] == before == [(before[0][0], 6)]  # 3 × 2, untouched
    assert [p for _, p in rows[len(before) :]] == [3]  # 3 × 3 = 9 wanted, 9 − 6 = +3
    assert totals(scn.session) == {("S1", DAY): 9}


def test_a_lowered_cap_is_booked_as_a_negative_correction(scn):
    scn.feature("pos.sale", points=2, daily_cap=6)
    scn.send(sales(scn, 3))
    derive(scn)
    feature_records.put_feature(scn.session, "pos.sale", {"daily_cap": 4}, now=LATER)
    scn.session.commit()
    derive(scn, since=LATER, now=LATER)
    assert [p for _, p in ledger_rows(scn.session)] == [6, -2]  # 6 booked, then 4 − 6 = −2
    assert totals(scn.session) == {("S1", DAY): 4}


def close_month(session, month: str) -> None:
    session.add(
        ChampionPeriod(month=month, version=1, status="closed", created_at=NOW, created_by="hr")
    )
    session.commit()


def test_a_closed_month_never_changes_when_late_events_arrive(scn):
    october = date(2026, 10, 30)
    scn.feature("pos.sale", points=2)
    scn.send(scn.ev("E1", "pos.sale", october))
    derive(scn)
    close_month(scn.session, "2026-10")
    scn.send(scn.ev("E1", "pos.sale", october), scn.ev("E1", "pos.sale", DAY), now=LATER)
    derive(scn, since=LATER, now=LATER)
    # October keeps its one event (2); November books the new one (2).
    assert totals(scn.session) == {("S1", october): 2, ("S1", DAY): 2}


def test_a_rule_change_leaves_a_closed_month_alone(scn):
    october = date(2026, 10, 30)
    scn.feature("pos.sale", points=2)
    scn.send(scn.ev("E1", "pos.sale", october), scn.ev("E1", "pos.sale", DAY))
    derive(scn)
    close_month(scn.session, "2026-10")
    feature_records.put_feature(scn.session, "pos.sale", {"points": 5}, now=LATER)
    scn.session.commit()
    derive(scn, since=LATER, now=LATER)
    assert totals(scn.session) == {("S1", october): 2, ("S1", DAY): 5}  # only November: 1 × 5


def busy_history(scn: Scenario) -> None:
    """Three batches and a cap change, derived incrementally as the scheduler would."""
    scn.feature("pos.sale", points=2, daily_cap=5).feature("pos.void", points=1)
    scn.send(sales(scn, 2), scn.ev("E3", "pos.void", DAY, times=4))
    derive(scn)
    scn.send(sales(scn, 2, hour=12, site="S2"), now=LATER)
    derive(scn, since=LATER, now=LATER)
    feature_records.put_feature(scn.session, "pos.sale", {"daily_cap": 3}, now=LATER)
    scn.session.commit()
    derive(scn, since=LATER, now=LATER)


def test_rebuilding_from_events_gives_the_same_totals(scn):
    busy_history(scn)
    incremental = totals(scn.session)
    # E1: 2 + 1 at S1 (cap 3), 0 at S2; E3: 4 × 1 at S3.
    assert incremental == {("S1", DAY): 3, ("S3", DAY): 4}
    scn.session.execute(delete(PointsLedger))  # only a test may empty the ledger
    rebuild_points(scn.session, first=DAY, last=DAY, now=LATER)
    assert totals(scn.session) == incremental


def test_rebuilding_a_ledger_in_line_adds_no_rows(scn):
    busy_history(scn)
    result = rebuild_points(scn.session, first=DAY, last=DAY, now=LATER)
    assert result["rows"] == 0


def test_jobs_run_points_derives_the_ledger(scn, runner):
    scn.feature("pos.sale", points=2)
    scn.send(sales(scn, 3))
    result = runner.invoke(main, ["jobs", "run", "points"])
    assert result.exit_code == 0, result.output
    scn.session.rollback()  # see what the command committed
    assert totals(scn.session) == {("S1", DAY): 6}  # 3 × 2


def test_jobs_run_points_wants_both_ends_of_a_range(runner):
    result = runner.invoke(main, ["jobs", "run", "points", "--from", "2026-11-01"])
    assert result.exit_code != 0
    assert "both --from and --to" in result.output
