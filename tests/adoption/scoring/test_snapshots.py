"""jobs.snapshot_scores: one stored score per employee and day, kept current by late events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from adoption import generations
from adoption.generations import generation_of
from adoption.masterdata import feature_records, records
from adoption.models import ScoreSnapshot
from adoption.scoring.components import score_frame
from adoption.scoring.proficiency import fresh_unused, proficient_since_map, snapshot_coverage
from adoption.scoring.rules import create_rules, load_rules
from adoption.scoring.snapshots import snapshot_scores
from tests.adoption.scoring.test_proficiency import NOW, Scenario

LATER = NOW + timedelta(days=1)  # the next nightly run; yesterday is then 11-20 (UTC)


def d(day: int, month: int = 11) -> date:
    return date(2026, month, day)


def snapshots(session, user: str, version: int = 1) -> list[ScoreSnapshot]:
    session.expire_all()
    emp = records.get_employee(session, user)
    return list(
        session.scalars(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.employee_id == emp.id, ScoreSnapshot.config_version == version)
            .order_by(ScoreSnapshot.day)
        )
    )


def assert_current(session, user: str) -> None:
    """Every stored row equals the score computed now from the rollups."""
    rows = snapshots(session, user)
    emp = records.get_employee(session, user)
    fresh = score_frame(session, [emp.id], rows[0].day, rows[-1].day, load_rules(session))
    for row, want in zip(rows, fresh.itertuples(index=False), strict=True):
        assert row.day == want.day
        assert (row.score, row.level) == (want.score, want.level), row.day
        assert row.consistency == pytest.approx(want.consistency), row.day


@pytest.fixture
def store(session) -> Scenario:
    """S1 (UTC) with A, B and C (never active); NZ (Pacific/Auckland) with K; core pos.sale."""
    scn = Scenario(session).site("S1").site("NZ", "Pacific/Auckland")
    scn.person("A", "S1").person("B", "S1").person("C", "S1").person("K", "NZ")
    scn.feature("pos.sale", is_core=True, expected_ms=1000)
    e = scn.ev
    scn.send(
        *(e("A", "pos.sale", d(k), duration_ms=500, times=5) for k in range(10, 16)),
        e("B", "pos.sale", d(12), outcome="error"),  # an error is not activity
        e("B", "pos.sale", d(13)),
        e("K", "pos.sale", d(18)),
    )
    return scn


def test_snapshots_cover_first_active_day_through_yesterday_and_name_the_version(store):
    result = snapshot_scores(store.session, now=NOW)
    store.session.commit()
    # NOW = 11-20 12:00 UTC: yesterday is 11-19 at S1 and 11-20 in Auckland (11-21 01:00)
    days = {u: [r.day for r in snapshots(store.session, u)] for u in "ABCK"}
    assert days["A"] == [d(k) for k in range(10, 20)]  # 10 rows
    assert days["B"] == [d(k) for k in range(13, 20)]  # first success 11-13: 7 rows
    assert days["C"] == []
    assert days["K"] == [d(18), d(19), d(20)]
    assert result["config_version"] == 1
    assert result["rows"] == 10 + 7 + 3
    assert {r.config_version for r in snapshots(store.session, "A")} == {1}
    assert_current(store.session, "A")


def test_a_second_run_adds_only_the_new_day(store):
    snapshot_scores(store.session, now=NOW)
    result = snapshot_scores(store.session, now=LATER, since=NOW + timedelta(seconds=1))
    store.session.commit()
    # A, B: 11-20 is new; K (Auckland): 11-21 is new
    assert result["rows"] == 3
    first = snapshots(store.session, "A")
    assert [r.computed_at for r in first[:-1]] == [NOW] * 10
    assert (first[-1].day, first[-1].computed_at) == (d(20), LATER)


def test_snapshots_follow_the_active_config_version(store):
    snapshot_scores(store.session, now=NOW)
    create_rules(store.session, {"w_breadth": 0.5, "w_accuracy": 0.1}, now=NOW, actor="test")
    result = snapshot_scores(store.session, now=NOW)
    store.session.commit()
    assert result["config_version"] == 2
    v1, v2 = snapshots(store.session, "A", 1), snapshots(store.session, "A", 2)
    assert [r.day for r in v1] == [r.day for r in v2]
    # 11-15: b = 1, a = 31/32, s = 1, c = 1 → v1 35 + 24.22 + 40 = 99.22; v2 50 + 9.69 + 40
    assert (v1[5].day, v1[5].score, v2[5].score) == (d(15), 99.22, 99.69)


def test_a_late_event_recomputes_the_days_it_touches(store):
    snapshot_scores(store.session, now=NOW)
    store.session.commit()
    before = {r.day: r.score for r in snapshots(store.session, "A")}
    e = store.ev
    store.send(e("A", "pos.sale", d(11), outcome="error", times=10), now=LATER)
    snapshot_scores(store.session, now=LATER, since=NOW + timedelta(seconds=1))
    store.session.commit()
    rows = snapshots(store.session, "A")
    assert [r.computed_at for r in rows if r.day < d(11)] == [NOW]  # 11-10 untouched
    assert all(r.computed_at == LATER for r in rows if r.day >= d(11))
    # 11-11: s = 10, e = 10 → a = 11/22; before a = 11/12 → 25·(11/12 − 1/2) = 10.42 lower
    after = {r.day: r.score for r in rows}
    assert after[d(11)] == pytest.approx(before[d(11)] - 10.42, abs=0.011)
    assert_current(store.session, "A")


def test_a_late_event_recomputes_colleagues_whose_consistency_it_changes(store):
    snapshot_scores(store.session, now=NOW)
    store.session.commit()
    store.send(store.ev("C", "pos.sale", d(9)), now=LATER)  # C at S1 on 11-09, A was not
    snapshot_scores(store.session, now=LATER, since=NOW + timedelta(seconds=1))
    store.session.commit()
    # A's S gains 11-09 from 11-10 on: consistency on 11-10 falls from 1/1 to 1/2
    assert snapshots(store.session, "A")[0].consistency == 0.5
    assert_current(store.session, "A")


def test_proficient_since_is_the_same_with_and_without_snapshots(store):
    rules = load_rules(store.session)
    ids = [records.get_employee(store.session, u).id for u in "ABCK"]
    # A on 11-13: 20 attempts, 35 + 25·21/22 + 20 + 20 = 98.86 → Expert; before that < 20
    without = {
        as_of: proficient_since_map(store.session, ids, as_of, rules)
        for as_of in (d(12), d(13), d(19), d(30))
    }
    assert without[d(19)][ids[0]] == d(13)
    assert without[d(12)][ids[0]] is None
    snapshot_scores(store.session, now=NOW)
    store.session.commit()
    for as_of, answer in without.items():
        assert proficient_since_map(store.session, ids, as_of, rules) == answer, as_of


def test_snapshots_are_not_trusted_after_the_feature_catalog_changes(store):
    session = store.session
    snapshot_scores(session, now=NOW)
    session.commit()
    a = records.get_employee(session, "A").id
    rules = load_rules(session)
    assert proficient_since_map(session, [a], d(19), rules)[a] is not None
    # Eight more core features A never used: breadth 1 → 1/9, and at best 35/9 + 25·31/32 + 20
    # + 20 = 68.11 < 70, so A was never proficient under the catalog as it is now; the stored
    # levels predate the change and must not answer.
    for k in range(8):
        feature_records.put_feature(session, f"pos.new{k}", {"is_core": True}, now=LATER)
    session.commit()
    assert proficient_since_map(session, [a], d(19), rules)[a] is None
    snapshot_scores(session, now=LATER + timedelta(minutes=1))
    session.commit()
    assert all(row.level in {"Novice", "Developing"} for row in snapshots(session, "A"))
    assert proficient_since_map(session, [a], d(19), rules)[a] is None


def ids(session, *users: str) -> list[int]:
    return [records.get_employee(session, user).id for user in users]


def test_people_without_usage_are_recorded_once_and_rechecked_only_when_they_get_events(store):
    session = store.session
    snapshot_scores(session, now=NOW)
    session.commit()
    a, b, c, k = ids(session, "A", "B", "C", "K")
    # C never sent anything: recorded without a first day, nothing stored; B's error came
    # before a success, so B is an ordinary covered person.
    assert fresh_unused(session, [a, b, c, k], 1) == {c}
    assert set(snapshot_coverage(session, [a, b, c, k], 1)) == {a, b, k}

    generation = session.scalar(select(generation_of(generations.SNAPSHOTS)))
    result = snapshot_scores(session, now=NOW, since=NOW + timedelta(seconds=1))
    assert (result["employees"], result["rows"]) == (0, 0)  # nothing new, C not looked at
    assert session.scalar(select(generation_of(generations.SNAPSHOTS))) == generation

    # An error only: C has usage but no active day, so C's score moves with every event and
    # boards must compute it; the record goes.
    store.send(store.ev("C", "pos.sale", d(19), outcome="error"), now=LATER)
    snapshot_scores(session, now=LATER, since=NOW + timedelta(seconds=1))
    assert fresh_unused(session, [c], 1) == set() and c not in snapshot_coverage(session, [c], 1)
    assert session.scalar(select(generation_of(generations.SNAPSHOTS))) > generation

    # A success: C is an ordinary person, covered from that day.
    later = LATER + timedelta(hours=1)
    store.send(store.ev("C", "pos.sale", d(19)), now=later)
    snapshot_scores(session, now=later, since=LATER + timedelta(seconds=1))
    assert snapshot_coverage(session, [c], 1) == {c: (d(19), d(20))}
