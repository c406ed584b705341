"""Forgetting a person (docs/privacy.md): no trace of their name, id or logins in any table, every
figure the screens show unchanged, a closed month keeping what HR paid under the pseudonym, a
resend of their old events changing nothing, audited and idempotent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, LargeBinary, String, func, select

from adoption.errors import NotFound
from adoption.identity import credentials
from adoption.identity.access_log import record_access
from adoption.identity.login import log_in
from adoption.identity.models import Account, ApiToken
from adoption.ingest import quarantine
from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records, records
from adoption.masterdata.erasure import pseudonym_code
from adoption.models import AccessLog, AuditLog, Base, DailyUsage, Employee, Event, Quarantine
from adoption.usage.rollups import rebuild_rollups
from rewards.erasure import forget_employee
from rewards.models import BadgeAward, ChampionEntry, PointsLedger
from rewards.points import derive_points_job
from tests.rewards.privacy_world import (
    ANNA,
    BERT,
    NAMES,
    NOW,
    build,
    build_tied,
    employee_pk,
    numbers,
)

LOGIN, PHONE = "anna.beispiel", "anna-phone"
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def world(session):
    return build(session)


def forget(session, user_id: str = ANNA, now=LATER) -> dict:
    result = forget_employee(session, user_id, now=now, actor="admin-1")
    session.commit()
    return result


def anna_everywhere(session) -> None:
    """Anna's traces beyond her events: a login and a token, an event in the quarantine (unknown
    site) that her login discarded, reads of her data and reads by her in the access log."""
    credentials.create_account(
        session, username=LOGIN, role="manager", now=NOW, sites=["S1"], user_id=ANNA
    )
    credentials.create_token(session, role="employee", name=PHONE, now=NOW, user_id=ANNA)
    bad = {"event_id": "q-1", "user_id": f" {ANNA.lower()} ", "site_id": "S9"}
    bad |= {"action": "pos.sale", "occurred_at": "2026-11-02T10:00:00Z"}
    held = ingest_batch(session, source="pos", events=[bad, {**bad, "event_id": "q-2"}], now=NOW)
    assert held.quarantined == 2
    first = session.scalars(select(Quarantine.id).order_by(Quarantine.id)).first()
    quarantine.discard(session, first, now=NOW, actor=LOGIN)
    pk, bert = employee_pk(session, ANNA), employee_pk(session, BERT)
    path = f"/api/v1/employees/{ANNA}/progress"
    record_access(
        session,
        viewer="hr-1",
        viewer_role="hr",
        employee_id=pk,
        what="progress",
        path=path,
        now=NOW,
    )
    record_access(
        session,
        viewer=LOGIN,
        viewer_role="manager",
        employee_id=bert,
        what="record",
        path=f"/api/v1/employees/{BERT}",
        now=NOW,
    )
    session.commit()


def traces(session, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text, JSON or byte value of every table holding one."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON | LargeBinary)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = _text(value).casefold()
                found += [(table.name, column.name, n) for n in needles if n.casefold() in text]
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def test_forgetting_keeps_every_figure_the_screens_show(world, session):
    before = numbers(session)
    forget(session)
    assert numbers(session) == before


def test_no_table_names_the_forgotten_person_or_their_logins(world, session):
    anna_everywhere(session)
    records.put_employee(session, ANNA, {"display_name": "Anna Renamed"}, now=NOW, actor="hr-1")
    session.commit()
    needles = [ANNA, NAMES[ANNA], "Anna Renamed", LOGIN, PHONE]
    assert {n for _, _, n in traces(session, needles)} == set(needles)  # found before
    forget(session)
    assert traces(session, needles) == []


def test_no_table_names_a_forgotten_tied_runner_up(session):
    build_tied(session)
    badge = session.scalars(select(BadgeAward).where(BadgeAward.badge == "first_proficient")).one()
    assert badge.evidence["tied_with"][0]["user_id"] == ANNA  # Bert's badge names Anna
    needles = [ANNA, NAMES[ANNA]]
    result = forget(session)
    assert traces(session, needles) == []
    assert badge.evidence["tied_with"][0]["user_id"] == result["user_id"]
    assert result["changed"]["badge_evidence_scrubbed"] == 1


def test_a_login_bearing_the_persons_display_name_keeps_its_records(world, session):
    namesake = NAMES[ANNA]
    credentials.create_account(
        session, username=namesake, role="hr", now=NOW, password="correct horse battery"
    )
    log_in(session, namesake, "correct horse battery", address="10.0.0.1", now=NOW)
    record_access(
        session,
        viewer=namesake,
        viewer_role="hr",
        employee_id=employee_pk(session, BERT),
        what="record",
        path=f"/api/v1/employees/{BERT}",
        now=NOW,
    )
    session.commit()

    forget(session)

    logins = session.scalars(select(AuditLog).where(AuditLog.action == "login.ok")).all()
    assert [(r.actor, r.target) for r in logins] == [(namesake, namesake)]
    viewers = session.scalars(select(AccessLog.viewer)).all()
    assert viewers == [namesake]
    account = session.scalars(select(Account).where(Account.username == namesake)).one()
    assert account.disabled_at is None


def test_a_closed_month_keeps_what_hr_paid_under_the_pseudonym(world, session):
    pk = employee_pk(session, ANNA)
    result = forget(session)
    code = pseudonym_code(pk)
    assert (result["user_id"], result["display_name"]) == (
        f"erased-{code}",
        f"Former employee {code}",
    )
    entry = session.scalars(
        select(ChampionEntry).where(
            ChampionEntry.site_code == "S1", ChampionEntry.kind == "champion"
        )
    ).one()
    # 3 tips × 5 points on 10-13; Expert at month end (4 timed sales a day, no errors): 98.86
    assert (entry.employee_id, entry.points, entry.score) == (pk, 15, 98.86)
    assert (entry.user_id, entry.display_name) == (f"erased-{code}", f"Former employee {code}")


def test_a_runner_up_named_in_a_rank_reason_is_named_by_the_pseudonym(world, session):
    result = forget(session, BERT)
    entry = session.scalars(
        select(ChampionEntry).where(
            ChampionEntry.site_code == "S1", ChampionEntry.kind == "champion"
        )
    ).one()
    assert entry.user_id == ANNA
    assert entry.rank_reason.endswith(f"ahead of {result['user_id']} by 5 points")  # 15 − 10
    assert entry.details["runner_up"] == result["user_id"]


def test_a_resend_of_the_old_events_changes_nothing(world, session):
    sent = [e for e in world.world.events if e["user_id"] == ANNA]
    before = numbers(session)
    people = session.scalar(select(func.count()).select_from(Employee))
    forget(session)

    again = ingest_batch(session, source="pos", events=sent, now=LATER)
    session.commit()

    assert (again.accepted, again.duplicates) == (0, len(sent))
    assert session.scalar(select(func.count()).select_from(Employee)) == people
    assert numbers(session) == before


def test_rederiving_points_and_rollups_leaves_a_forgotten_person_alone(world, session):
    pk = employee_pk(session, ANNA)

    def anna(model):
        return session.execute(
            select(model.local_day, func.count())
            .where(model.employee_id == pk)
            .group_by(model.local_day)
        ).all()

    def points(user_id):
        person = employee_pk(session, user_id)
        return session.scalar(
            select(func.sum(PointsLedger.points)).where(PointsLedger.employee_id == person)
        )

    forget(session)
    ledger, rollups, bert = anna(PointsLedger), anna(DailyUsage), points(BERT)
    feature_records.put_feature(session, "pos.tip", {"points": 7}, now=LATER)
    derive_points_job(session, now=LATER + timedelta(minutes=1), since=LATER)
    rebuild_rollups(session)
    session.commit()

    assert (anna(PointsLedger), anna(DailyUsage)) == (ledger, rollups)
    assert points(BERT) == bert  # October is closed; Bert has no November tips
    assert (
        session.scalar(select(func.count()).select_from(Event).where(Event.employee_id == pk)) == 0
    )


def test_forgetting_is_audited_once_and_idempotent(world, session):
    first = forget(session)
    again = forget(session, first["user_id"], now=LATER + timedelta(days=1))

    assert again == {**first, "already_erased": True, "changed": {}}
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "employee.forget")).all()
    assert [(r.actor, r.target) for r in rows] == [("admin-1", first["user_id"])]
    assert rows[0].details["events_deleted"] == first["changed"]["events_deleted"] > 0
    with pytest.raises(NotFound):
        forget(session, ANNA)  # nothing keeps the old id


def test_the_forgotten_persons_logins_are_disabled(world, session):
    anna_everywhere(session)
    result = forget(session)
    account = session.scalars(select(Account).where(Account.employee_id.is_not(None))).one()
    token = session.scalars(select(ApiToken).where(ApiToken.employee_id.is_not(None))).one()
    assert (account.username, account.disabled_at, account.session_version) == (
        result["user_id"],
        LATER,
        2,
    )
    assert (token.name, token.revoked_at) == (result["user_id"], LATER)
    assert {"accounts_disabled": 1, "tokens_revoked": 1}.items() <= result["changed"].items()


def test_quarantined_events_naming_the_person_are_redacted_and_discarded(world, session):
    anna_everywhere(session)
    result = forget(session)
    items = session.scalars(select(Quarantine).order_by(Quarantine.id)).all()
    assert [i.status for i in items] == ["discarded", "discarded"]
    assert [json.loads(i.payload)["user_id"] for i in items] == [result["user_id"]] * 2
    assert result["changed"]["quarantine_redacted"] == 2


def test_other_people_keep_their_names(world, session):
    forget(session)
    assert records.get_employee(session, BERT).display_name == NAMES[BERT]
    carl = session.scalars(select(ChampionEntry).where(ChampionEntry.site_code == "S2")).all()
    assert {(e.user_id, e.display_name) for e in carl if e.kind == "champion"} == {
        ("POS-1234-CARL", "Carl Probe")
    }


@given(st.sets(st.integers(min_value=1, max_value=2**32 - 1), min_size=2, max_size=50))
def test_pseudonym_codes_are_distinct_for_distinct_ids(ids):
    assert len({pseudonym_code(i) for i in ids}) == len(ids)
