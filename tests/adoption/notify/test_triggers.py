"""Where notifications are owed: closing a month, the hourly check (a month ready, a site
behind, a wave not ready, the quarantine), badges and levels; and forgetting a person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.ingest import quarantine
from adoption.notify.checks import crossed_threshold, notify_levels
from adoption.notify.events import (
    MONTH_CLOSED,
    MONTH_READY,
    PERSON_BADGE,
    QUARANTINE_GROWING,
    READINESS_FAILED,
    SITE_BEHIND,
)
from adoption.notify.models import NotificationDelivery, NotificationSubscription
from adoption.notify.subscriptions import subscribe
from adoption.scoring.snapshots import snapshot_scores
from api import jobs
from pilots.readiness_rules import add_rule
from pilots.waves import put_wave
from rewards.champions.months import close_month
from rewards.erasure import forget_employee
from rewards.jobs import award_badges_job
from tests.adoption.scoring.test_proficiency import Scenario
from tests.helpers import event
from tests.rewards.month_world import CLOSE_AT, OCT, Month, utc

NOW = CLOSE_AT  # 2026-11-20 12:00 UTC
HOOK = "https://hooks.example.com/uptake"


def sub(session, event, *, now=NOW, **kw):
    made = subscribe(session, event=event, channel=HOOK, now=now, actor="test", **kw)
    session.commit()
    return made


def owed(session, event=None) -> list[NotificationDelivery]:
    session.commit()
    session.expire_all()
    query = select(NotificationDelivery).order_by(NotificationDelivery.id)
    if event is not None:
        query = query.where(NotificationDelivery.event == event)
    return list(session.scalars(query))


@pytest.fixture
def october(session) -> Month:
    """Two stores with a champion each in October, and a colleague who is not one."""
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1").person("E2", "S1").person("E3", "S2")
    scn.work("E1").work("E2").work("E3")
    scn.book("E1", 50, utc(14, 9)).book("E2", 10, utc(14, 9)).book("E3", 30, utc(15, 9))
    session.commit()
    return scn


def test_closing_a_month_tells_each_subscriber_what_is_theirs(session, october):
    hr = sub(session, MONTH_CLOSED, role="hr")
    s2 = sub(session, MONTH_CLOSED, site="S2", role="manager")
    e1 = sub(session, MONTH_CLOSED, user="E1")
    sub(session, MONTH_CLOSED, user="E2")  # not a champion: told nothing
    close_month(session, OCT, now=NOW, actor="hr-ann")
    session.commit()
    rows = {d.subscription_id: d for d in owed(session)}
    assert set(rows) == {hr.id, s2.id, e1.id}
    assert [c["user_id"] for c in rows[hr.id].payload["champions"]] == ["E1", "E3"]
    assert [c["user_id"] for c in rows[s2.id].payload["champions"]] == ["E3"]
    assert [c["user_id"] for c in rows[e1.id].payload["champions"]] == ["E1"]
    assert "closed (version 1) by hr-ann" in rows[hr.id].body
    assert {d.key for d in rows.values()} == {"month.closed:2026-10/v1"}


def test_a_close_that_rolls_back_tells_no_one(session, october):
    sub(session, MONTH_CLOSED, role="hr")
    close_month(session, OCT, now=NOW, actor="hr-ann")
    session.rollback()
    assert owed(session) == []


def check(app, now=NOW):
    return jobs.run_job(app.extensions["uptake"].sessions, "notify-check", clock=lambda: now)


def test_the_hourly_check_owes_a_month_ready_once(app, session, october):
    sub(session, MONTH_READY, role="hr")
    assert check(app).run.details["month_ready"] == 1
    assert check(app, NOW + timedelta(hours=1)).run.details["month_ready"] == 0
    [ready] = owed(session)
    assert (ready.key, ready.subject) == ("month.ready:2026-10/v1", "Uptake: 2026-10 can be closed")
    close_month(session, OCT, now=NOW, actor="hr-ann")
    session.commit()
    assert check(app, NOW + timedelta(hours=2)).run.details["month_ready"] == 0  # closed


def test_a_month_still_running_is_not_ready(app, session, october):
    sub(session, MONTH_READY, role="hr")
    # 2026-11-01 05:00 UTC: October is over in UTC; the ready month is October once every site
    # (all UTC here) has ended it, which it has; September is the previous month before that.
    assert check(app, datetime(2026, 10, 31, 23, 0, tzinfo=UTC)).run.details["month_ready"] == 1
    assert owed(session)[0].key == "month.ready:2026-09/v1"


def test_a_planned_wave_failing_its_gate_is_told_once_a_day(app, session, october):
    sub(session, READINESS_FAILED, role="rollout_lead")
    put_wave(session, 1, {"planned_go_live_on": date(2026, 12, 1)}, now=NOW, actor="t")
    put_wave(session, 2, {"planned_go_live_on": date(2026, 11, 1)}, now=NOW, actor="t")  # past
    session.commit()
    assert check(app).run.details["readiness_failed"] == 0  # no rule yet: nobody's failure
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.8, "weeks": 1}
    add_rule(session, {**rule, "scope": "pilots"}, now=NOW, actor="t")  # no pilot: fails
    session.commit()
    assert check(app, NOW + timedelta(minutes=1)).run.details["readiness_failed"] == 1
    assert check(app, NOW + timedelta(hours=1)).run.details["readiness_failed"] == 0
    assert check(app, NOW + timedelta(days=1)).run.details["readiness_failed"] == 1
    keys = [d.key for d in owed(session)]
    assert keys == ["readiness.failed:1:2026-11-20", "readiness.failed:1:2026-11-21"]
    assert "no go" in owed(session)[0].subject


def test_a_site_behind_its_wave_is_told_once_a_week(app, session):
    scn = Scenario(session)
    for code in ("W1", "W2", "W3"):
        scn.site(code, go_live_on=date(2026, 10, 26), wave=2).person(f"{code}a", code)
    scn.feature("pos.sale")
    scn.send(
        scn.ev("W1a", "pos.sale", date(2026, 11, 10)), scn.ev("W2a", "pos.sale", date(2026, 11, 11))
    )
    session.commit()
    lead = sub(session, SITE_BEHIND, role="rollout_lead")
    w1 = sub(session, SITE_BEHIND, site="W1")
    assert check(app).run.details["site_behind"] == 1
    assert check(app, NOW + timedelta(hours=1)).run.details["site_behind"] == 0
    [told] = owed(session)
    assert told.subscription_id == lead.id != w1.id
    assert (told.key, told.payload["site_id"]) == ("site.behind:W3:2026-W47", "W3")
    assert told.subject == "Uptake: store W3 is behind wave 2"


def test_the_quarantine_alerts_at_each_doubling(session):
    sub(session, QUARANTINE_GROWING, role="admin")
    held = {"site_id": ["Unknown site."]}

    def hold(first, last):
        items = [(event(f"q{n}"), held) for n in range(first, last)]
        quarantine.store_events(session, "pos", items, NOW)
        session.commit()
        return jobs.notify_check(session, NOW, quarantine_alert=2)["quarantine_growing"]

    assert hold(0, 1) == 0  # 1 open, below 2
    assert hold(1, 3) == 1  # 3 open: 2 crossed
    assert hold(3, 4) == 1  # 4 open: 4 crossed
    assert hold(4, 7) == 0  # 7 open: still 4
    assert [d.payload for d in owed(session)] == [
        {"open": 3, "threshold": 2},
        {"open": 4, "threshold": 4},
    ]


def test_crossed_threshold_doubles():
    assert [crossed_threshold(n, 100) for n in (99, 100, 199, 200, 450, 800)] == [
        None,
        100,
        100,
        200,
        400,
        800,
    ]


def test_a_badge_is_told_only_to_a_person_who_asked(session):
    scn = Month(session).site("S1").person("E1", "S1").person("E2", "S1").catalog()
    scn.work("E1").work("E2")
    mine = sub(session, PERSON_BADGE, user="E1")
    award_badges_job(session, now=NOW)
    session.commit()
    rows = owed(session)
    assert rows and {d.subscription_id for d in rows} == {mine.id}
    assert any(d.payload.get("badge") == "proficient" for d in rows)
    assert all(d.subject == "Uptake: a new badge" for d in rows)
    assert "Well done, Person E1: you earned the badge" in rows[0].body


def test_a_level_reached_after_opting_in_is_told_once(session):
    scn = Month(session).site("S1").person("E1", "S1").catalog()
    sub(session, PERSON_BADGE, user="E1", now=datetime(2026, 10, 1, tzinfo=UTC))
    scn.work("E1")
    snapshot_scores(session, now=NOW)
    assert notify_levels(session, NOW) == 1
    assert notify_levels(session, NOW) == 0
    session.commit()
    [told] = owed(session)
    assert told.payload["level"] in ("Proficient", "Expert")
    assert told.body == f"Well done, Person E1: you reached the level {told.payload['level']}."


def test_a_level_held_before_opting_in_is_not_news(session):
    scn = Month(session).site("S1").person("E1", "S1").catalog()
    scn.work("E1")
    sub(session, PERSON_BADGE, user="E1")
    snapshot_scores(session, now=NOW)
    assert notify_levels(session, NOW) == 0


def test_forgetting_a_person_deletes_their_subscriptions(session, october):
    sub(session, MONTH_CLOSED, role="hr")
    sub(session, MONTH_CLOSED, user="E1")
    close_month(session, OCT, now=NOW, actor="hr-ann")
    result = forget_employee(session, "E1", now=NOW, actor="admin")
    session.commit()
    assert result["changed"]["subscriptions_deleted"] == 1
    assert result["changed"]["notifications_rewritten"] == 1
    left = session.scalars(select(NotificationSubscription.employee_id)).all()
    assert left == [None]
    [hr] = owed(session)
    assert [c["user_id"] for c in hr.payload["champions"]] == [result["user_id"], "E3"]
    assert "Person E1" not in hr.body and result["display_name"] in hr.body


def test_a_store_that_named_no_champion_still_tells_its_manager_the_month_closed(session, october):
    """The issue: month closed, told to the managers of the stores; a store where nobody
    earned a point hears that no champion was named there, and nothing of other stores; HR's
    chain-wide message lists it as "no champion this month"."""
    october.site("S3")
    session.commit()
    s3 = sub(session, MONTH_CLOSED, site="S3", role="manager")
    hr = sub(session, MONTH_CLOSED, role="hr")
    close_month(session, OCT, now=NOW, actor="hr-ann")
    session.commit()
    rows = {d.subscription_id: d for d in owed(session)}
    assert set(rows) == {s3.id, hr.id}
    told, chain = rows[s3.id], rows[hr.id]
    assert "- S3: no champion this month" in chain.body
    assert told.payload["champions"] == [] and told.payload["no_champion_at"] == "S3"
    assert "no champion at S3" in told.subject
