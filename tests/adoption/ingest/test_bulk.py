"""Ingest writes events and rollups as driver SQL: what it stores must be what SQLAlchemy stores,
and the rollups must equal a recount of the stored events, whatever the batches repeat."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text

from adoption.ingest import bulk
from adoption.ingest.batch import EVENT_COLUMNS, ingest_batch, local_day_of
from adoption.ingest.validation import validate_event
from adoption.masterdata import feature_records
from adoption.models import DailyUsage, Employee, Event, EventKey, Feature, Site

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SITES = {"S001": "UTC", "S002": "America/New_York", "S003": "Asia/Kolkata"}
USERS = ("E001", "e001", "E002", "T-9")  # T-9 is not on the roster
ACTIONS = ("pos.sale", "pos.refund", "pos.refund.v2", "beta.new")  # v2 counts as pos.refund
DB_EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def store(make_site, make_employee, session):
    seed(make_site, make_employee, session)


def seed(make_site, make_employee, session) -> None:
    """Three sites in three zones, two rostered people, a feature and its alias."""
    for code, zone in SITES.items():
        make_site(code, zone)
    make_employee("E001", "S001")
    make_employee("E002", "S002")
    feature_records.put_feature(session, "pos.sale", {"is_core": True}, now=NOW)
    feature_records.put_feature(session, "pos.refund", {"is_core": True}, now=NOW)
    feature_records.put_feature(session, "pos.refund.v2", {"alias_of": "pos.refund"}, now=NOW)
    session.commit()


def wipe_events(session) -> None:
    session.rollback()
    session.execute(delete(DailyUsage))
    session.execute(delete(Event))
    session.execute(delete(EventKey))
    session.commit()


storable_text = st.text(  # no NUL, no lone surrogate: a database cannot store them
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | storable_text
)
properties = st.none() | st.dictionaries(
    storable_text,
    st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6),
    max_size=4,
)
instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2026, 11, 20, 11, 0)
).map(lambda d: d.replace(tzinfo=UTC))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def wire_events(draw, event_id: str) -> dict:
    """A valid event as a source sends it: local or Z times, fields left out or null."""
    at = draw(instants).astimezone(draw(offsets))
    raw = {
        "event_id": event_id,
        "user_id": draw(st.sampled_from(USERS)),
        "site_id": draw(st.sampled_from([*SITES, " s002 "])),
        "action": draw(st.sampled_from(ACTIONS)),
        "occurred_at": at.isoformat(timespec=draw(st.sampled_from(["seconds", "microseconds"]))),
        "outcome": draw(st.sampled_from([None, "success", "error"])),
        "duration_ms": draw(st.none() | st.integers(0, 86_400_000)),
        "properties": draw(properties),
    }
    return {k: v for k, v in raw.items() if v is not None or draw(st.booleans())}


def pools() -> st.SearchStrategy[list[dict]]:
    """1–12 valid events with distinct ids."""
    return st.integers(1, 12).flatmap(
        lambda n: st.tuples(*(wire_events(f"e-{i}") for i in range(n))).map(list)
    )


def batches() -> st.SearchStrategy[list[list[dict]]]:
    """1–4 batches drawn from one pool of events, so batches resend and repeat events."""
    return pools().flatmap(
        lambda pool: st.lists(st.lists(st.sampled_from(pool), max_size=15), min_size=1, max_size=4)
    )


def stored_text(session, source: str) -> list[tuple]:
    """The event rows of `source` as the database holds them (dates, times and JSON as text)."""
    return session.execute(
        text(
            "SELECT event_id, employee_id, site_id, feature_id, CAST(occurred_at AS TEXT), "
            "CAST(local_day AS TEXT), outcome, duration_ms, CAST(properties AS TEXT), "
            "CAST(received_at AS TEXT) FROM event WHERE source = :source ORDER BY event_id"
        ),
        {"source": source},
    ).all()


@DB_EXAMPLES
@given(events=pools())
def test_ingest_stores_what_a_sqlalchemy_insert_of_the_same_values_stores(store, session, events):
    wipe_events(session)
    assert ingest_batch(session, source="bulk", events=events, now=NOW).accepted == len(events)
    ids = dict(session.execute(select(Event.event_id, Event.id)).all())
    zones = dict(session.execute(select(Site.id, Site.timezone)).all())
    rows = []
    for event in session.scalars(select(Event).where(Event.id.in_(ids.values()))):
        valid, _ = validate_event(next(r for r in events if r["event_id"] == event.event_id), NOW)
        rows.append(
            {
                **{name: getattr(event, name) for name in EVENT_COLUMNS},
                "source": "core",
                "occurred_at": valid.occurred_at,
                "local_day": local_day_of(valid.occurred_at, zones[event.site_id]),
                "outcome": valid.outcome,
                "duration_ms": valid.duration_ms,
                "properties": valid.properties,
                "received_at": NOW,
            }
        )
    session.execute(insert(Event.__table__), rows)
    assert stored_text(session, "bulk") == stored_text(session, "core")


def recount(session, sent: list[list[dict]]) -> dict[tuple, tuple]:
    """daily_usage worked out from the events as sent: the first of each event_id counts, an
    alias counts as its target, durations enter as ln(max(ms, 1))."""
    first: dict[str, dict] = {}
    for batch in sent:
        for raw in batch:
            first.setdefault(raw["event_id"], raw)
    sites = dict(session.execute(select(Site.code_key, Site.timezone)).all())
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, []])
    for raw in first.values():
        valid, _ = validate_event(raw, NOW)
        site = valid.site_id.lower()
        action = "pos.refund" if valid.action == "pos.refund.v2" else valid.action
        cell = cells[
            (valid.user_id.lower(), site, action, local_day_of(valid.occurred_at, sites[site]))
        ]
        if valid.outcome == "error":
            cell[1] += 1
            continue
        cell[0] += 1
        if valid.duration_ms is not None:
            cell[2] += 1
            cell[3].append(math.log(max(valid.duration_ms, 1)))
    return {key: (s, e, n, math.fsum(logs)) for key, (s, e, n, logs) in cells.items()}


def assert_rollups_recount(session, sent, accepted: int) -> None:
    """The rollups hold exactly a recount of the events `sent`, of which `accepted` landed."""
    expected = recount(session, sent)
    got = rollups(session)
    assert accepted == sum(s + e for s, e, _, _ in expected.values())
    assert got.keys() == expected.keys()
    for key, (s, e, n, log_sum) in expected.items():
        assert got[key][:3] == (s, e, n)
        assert got[key][3] == pytest.approx(log_sum, rel=1e-12, abs=1e-12)


def rollups(session) -> dict[tuple, tuple]:
    rows = session.execute(
        select(
            Employee.external_key,
            Site.code_key,
            Feature.action,
            DailyUsage.local_day,
            DailyUsage.successes,
            DailyUsage.errors,
            DailyUsage.dur_n,
            DailyUsage.dur_log_sum,
        )
        .join(Employee, Employee.id == DailyUsage.employee_id)
        .join(Site, Site.id == DailyUsage.site_id)
        .join(Feature, Feature.id == DailyUsage.feature_id)
    )
    return {tuple(row[:4]): tuple(row[4:]) for row in rows}


@DB_EXAMPLES
@given(sent=batches())
def test_rollups_equal_a_recount_of_the_events_whatever_the_batches_repeat(store, session, sent):
    wipe_events(session)
    accepted = 0
    for batch in sent:
        result = ingest_batch(session, source="pos", events=batch, now=NOW)
        session.commit()
        assert result.quarantined == 0
        assert result.accepted + result.duplicates == len(batch)
        accepted += result.accepted
    assert_rollups_recount(session, sent, accepted)


def test_a_batch_larger_than_a_statement_holds_is_split_and_stored_whole(
    store, session, monkeypatch
):
    """Three parameters per statement: every event, lookup and rollup row goes alone."""
    monkeypatch.setattr(session.get_bind().dialect, "insertmanyvalues_max_parameters", 3)
    sent = [
        {
            "event_id": f"e-{n}",
            "user_id": f"U{n % 5}",
            "site_id": "S001",
            "action": f"pos.f{n % 4}",
            "occurred_at": f"2026-11-{1 + n % 9:02d}T10:00:00Z",
        }
        for n in range(12)
    ]
    result = ingest_batch(session, source="pos", events=[*sent, sent[3]], now=NOW)
    assert (result.accepted, result.duplicates) == (12, 1)
    assert session.scalar(select(text("count(*)")).select_from(Event)) == 12
    assert sum(session.scalars(select(DailyUsage.successes))) == 12


def test_a_failure_after_the_events_are_written_leaves_no_half_batch(store, session, monkeypatch):
    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk.Writer, "insert_each", fail)  # the rollup upsert
    sent = [{"event_id": "e-1", "user_id": "E001", "site_id": "S001", "action": "pos.sale",
             "occurred_at": "2026-11-20T09:00:00Z"}]  # fmt: skip
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_batch(session, source="pos", events=sent, now=NOW)
    session.rollback()
    assert session.scalars(select(Event.event_id)).all() == []
    monkeypatch.undo()
    assert ingest_batch(session, source="pos", events=sent, now=NOW).accepted == 1


@pytest.mark.parametrize("count", [0, 1, 2, 3, 999, 1000, 1001, 2047, 5000])
def test_pages_cover_every_row_once_in_few_shapes(count):
    spans = list(bulk.pages(count, 1000))
    assert [start for start, _ in spans] == [
        sum(size for _, size in spans[:i]) for i in range(len(spans))
    ]
    assert sum(size for _, size in spans) == count
    assert {size for _, size in spans} <= {1000} | {2**k for k in range(10)}
