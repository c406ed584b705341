"""The quarantine at scale: reason lines and sites, filters, totals, which items would pass now,
bulk replay and discard with a dry run."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adoption.errors import Invalid
from adoption.ingest import quarantine, triage
from adoption.ingest.batch import ingest_batch
from adoption.models import AuditLog, Event, Quarantine
from tests.adoption.ingest.test_quarantine import event

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
NEGATIVE = "duration_ms: Must be greater than or equal to 0 and less than or equal to 86400000."


@pytest.fixture
def world(session, make_site, make_employee):
    """S001 exists; S404 does not (yet). Quarantined: 3 events of the unknown site S404 (two
    from "pos" on the 20th, one from "crm" on the 21st), 2 with a negative duration, 1 body."""
    make_site("S001", "UTC")
    make_employee("E001", "S001")
    unknown = [event(n, site_id="S404") for n in (1, 2)]
    ingest_batch(session, source="pos", events=[*unknown, event(3, duration_ms=-1)], now=NOW)
    ingest_batch(session, source="pos", events=[event(4, duration_ms=-5)], now=NOW)
    ingest_batch(session, source="crm", events=[event(5, site_id=" s404 ")], now=NEXT_DAY)
    quarantine.store_body(session, "crm", b"{oops", {"body": ["Not valid JSON."]}, NEXT_DAY)
    session.flush()
    return session


def ids(items) -> list[str]:
    return [item.event_id or item.kind for item in items]


def test_each_item_keeps_its_reason_line_and_the_site_it_names(world):
    items = triage.list_items(world, triage.Filter())
    assert [(i.event_id, i.reason, i.site) for i in items] == [
        ("e-1", "site_id: Unknown site.", "S404"),
        ("e-2", "site_id: Unknown site.", "S404"),
        ("e-3", NEGATIVE, "S001"),
        ("e-4", NEGATIVE, "S001"),
        ("e-5", "site_id: Unknown site.", "s404"),
        (None, "body: Not valid JSON.", None),
    ]


def test_filters_narrow_by_reason_source_site_and_utc_day(world):
    def listed(**criteria):
        return ids(triage.list_items(world, triage.Filter(**criteria)))

    assert listed(reason="site_id: Unknown site.") == ["e-1", "e-2", "e-5"]
    assert listed(source="crm") == ["e-5", "body"]
    assert listed(site="S404") == ["e-1", "e-2", "e-5"]  # any case, as sent trimmed
    assert listed(received_from=date(2026, 11, 21)) == ["e-5", "body"]
    assert listed(received_to=date(2026, 11, 20)) == ["e-1", "e-2", "e-3", "e-4"]
    assert listed(source="pos", reason=NEGATIVE, received_to=date(2026, 11, 20)) == ["e-3", "e-4"]
    assert listed(status="replayed") == []
    assert listed(status=None, site="nowhere") == []


def test_a_filter_refuses_an_unknown_status_and_days_out_of_order():
    with pytest.raises(Invalid) as status:
        triage.Filter(status="closed")
    assert "status" in status.value.details
    with pytest.raises(Invalid) as days:
        triage.Filter(received_from=date(2026, 11, 21), received_to=date(2026, 11, 20))
    assert "received_to" in days.value.details


def test_totals_by_reason_and_source_leave_their_own_criterion_out(world):
    summary = triage.summary(world, triage.Filter())
    assert summary.total == 6
    assert summary.by_reason == [
        ("site_id: Unknown site.", 3),
        (NEGATIVE, 2),
        ("body: Not valid JSON.", 1),
    ]
    assert summary.by_source == [("pos", 4), ("crm", 2)]
    narrowed = triage.summary(world, triage.Filter(source="crm"))
    assert narrowed.total == 2
    assert narrowed.by_reason == [("body: Not valid JSON.", 1), ("site_id: Unknown site.", 1)]
    assert narrowed.by_source == [("pos", 4), ("crm", 2)]  # what else there is


def test_still_failing_says_which_items_would_pass_as_stored_now(world, make_site):
    items = triage.list_items(world, triage.Filter())
    failing = triage.still_failing(world, items, LATER)
    assert sorted(ids(i for i in items if i.id in failing)) == sorted(ids(items))
    make_site("S404", "UTC")  # the reason no longer applies to e-1, e-2 and e-5
    failing = triage.still_failing(world, items, LATER)
    assert ids(i for i in items if i.id not in failing) == ["e-1", "e-2", "e-5"]
    by_id = {i.event_id or i.kind: failing.get(i.id) for i in items}
    assert "duration_ms" in by_id["e-3"]
    assert "body" in by_id["body"]


def test_a_dry_run_counts_what_would_pass_and_changes_nothing(world, make_site):
    make_site("S404", "UTC")
    outcome = triage.bulk_replay(world, triage.Filter(), dry_run=True, now=LATER, actor="ops")
    assert (outcome.matched, outcome.passed, outcome.failing) == (6, 3, 3)
    (negative, body) = outcome.failing_by_reason  # the reasons they would fail with today
    assert negative == (NEGATIVE, 2)
    assert body[0].startswith("body: The body is not valid JSON") and body[1] == 1
    assert (outcome.accepted, outcome.more) == (0, False)
    assert world.scalar(select(Event.id)) is None
    assert {i.status for i in triage.list_items(world, triage.Filter(status=None))} == {"open"}
    assert world.scalar(select(AuditLog.id).where(AuditLog.target_type == "quarantine")) is None


def test_bulk_replay_stores_what_passes_keeps_the_rest_open_and_is_audited(world, make_site):
    make_site("S404", "UTC")
    outcome = triage.bulk_replay(world, triage.Filter(), dry_run=False, now=LATER, actor="ops")
    assert (outcome.passed, outcome.failing, outcome.accepted, outcome.duplicates) == (3, 3, 3, 0)
    stored = world.execute(select(Event.source, Event.event_id).order_by(Event.event_id)).all()
    assert stored == [("pos", "e-1"), ("pos", "e-2"), ("crm", "e-5")]  # each under its source
    still_open = triage.list_items(world, triage.Filter())
    assert ids(still_open) == ["e-3", "e-4", "body"]
    replayed = triage.list_items(world, triage.Filter(status="replayed"))
    assert {(i.resolved_by, i.resolved_at) for i in replayed} == {("ops", LATER)}
    (row,) = world.execute(
        select(AuditLog.actor, AuditLog.action, AuditLog.details).where(
            AuditLog.target_type == "quarantine"
        )
    ).all()
    assert row.actor == "ops" and row.action == "quarantine.bulk_replay"
    assert row.details["items"] == [i.id for i in replayed]
    assert (row.details["still_failing"], row.details["accepted"]) == (3, 3)
    again = triage.bulk_replay(world, triage.Filter(), dry_run=False, now=LATER, actor="ops")
    assert (again.matched, again.passed) == (3, 0)  # nothing more passes; nothing audited
    assert (
        len(world.scalars(select(AuditLog.id).where(AuditLog.target_type == "quarantine")).all())
        == 1
    )


def test_bulk_replay_counts_an_event_already_stored_as_a_duplicate(world, make_site):
    make_site("S404", "UTC")
    ingest_batch(world, source="pos", events=[event(1, site_id="S404")], now=LATER)
    outcome = triage.bulk_replay(
        world, triage.Filter(site="s404"), dry_run=False, now=LATER, actor="ops"
    )
    assert (outcome.passed, outcome.accepted, outcome.duplicates) == (3, 2, 1)


def test_bulk_discard_of_a_filtered_set_with_a_dry_run_first(world):
    chosen = triage.Filter(reason=NEGATIVE)
    dry = triage.bulk_discard(world, chosen, dry_run=True, now=LATER, actor="ops")
    assert (dry.matched, dry.passed) == (2, 2)
    assert len(triage.list_items(world, triage.Filter())) == 6
    done = triage.bulk_discard(world, chosen, dry_run=False, now=LATER, actor="ops")
    assert (done.matched, done.passed) == (2, 2)
    assert ids(triage.list_items(world, triage.Filter(status="discarded"))) == ["e-3", "e-4"]
    details = world.scalar(
        select(AuditLog.details).where(AuditLog.action == "quarantine.bulk_discard")
    )
    assert details["filter"] == {"status": "open", "reason": NEGATIVE}
    assert len(details["items"]) == 2


def test_bulk_actions_take_closed_items_never(world):
    everything = triage.Filter(status=None)
    triage.bulk_discard(world, triage.Filter(source="crm"), dry_run=False, now=LATER, actor="a")
    outcome = triage.bulk_discard(world, everything, dry_run=True, now=LATER, actor="a")
    assert outcome.matched == 4


def test_a_bulk_action_works_through_chunks_and_says_when_more_matched(world, monkeypatch):
    monkeypatch.setattr(triage, "CHUNK", 2)
    monkeypatch.setattr(triage, "MAX_BULK", 5)
    outcome = triage.bulk_discard(world, triage.Filter(), dry_run=False, now=LATER, actor="a")
    assert (outcome.matched, outcome.passed, outcome.more) == (5, 5, True)
    rest = triage.bulk_discard(world, triage.Filter(), dry_run=False, now=LATER, actor="a")
    assert (rest.matched, rest.more) == (1, False)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(st.lists(st.text(max_size=300), max_size=3), st.text(), st.integers()),
        max_size=6,
    )
)
def test_a_reason_line_is_storable_and_names_every_field_in_order(reasons):
    line = quarantine.reason_line(reasons)
    assert len(line) <= quarantine.REASON_LENGTH
    assert "\x00" not in line
    line.encode("utf-8")  # no lone surrogate
    fields = sorted(reasons, key=str)
    if fields:  # the first field in order comes first
        first = quarantine.reason_line({fields[0]: reasons[fields[0]]})
        assert line.startswith(first[: min(len(first), len(line))])


@pytest.mark.parametrize(
    ("raw", "site"),
    [
        ({"site_id": " S1 "}, "S1"),
        ({"properties": {"site_id": "S2"}, "context": {"groupId": "S3"}}, "S2"),
        ({"context": {"groupId": "S3"}}, "S3"),
        ({"traits": {"site_id": "S4"}}, "S4"),
        ({"site_id": 7}, None),
        ({"site_id": "  "}, None),
        ({"site_id": "a\x00b"}, "a\ufffdb"),
        ([1, 2], None),
    ],
)
def test_the_site_an_input_names_is_found_where_each_sender_puts_it(raw, site):
    assert quarantine.site_named(raw) == site


def test_bulk_replay_counts_duplicates_as_replaying_one_by_one_would(world, make_site):
    """Bodies [e-7, e-7], [e-8, e-9], [e-8]: one by one, 3 accepted and 2 already stored."""
    for n, events in enumerate(([7, 7], [8, 9], [8])):
        quarantine.store_body(world, "api", f"b{n}".encode(), {"body": ["x"]}, NOW)
        item = world.scalars(select(Quarantine).order_by(Quarantine.id.desc())).first()
        item.payload = json.dumps([event(e, site_id="S001") for e in events]).encode()
    world.flush()
    outcome = triage.bulk_replay(
        world, triage.Filter(source="api"), dry_run=False, now=LATER, actor="ops"
    )
    assert (outcome.passed, outcome.accepted, outcome.duplicates) == (3, 3, 2)


def test_a_reason_line_cut_at_its_length_never_ends_in_a_space():
    line = quarantine.reason_line({"f": ["x" * 195 + "    tail"]})
    assert line == "f: " + "x" * 195 and not line.endswith(" ")


def test_a_confirmed_set_stops_at_up_to_id(world):
    dry = triage.bulk_discard(world, triage.Filter(), dry_run=True, now=LATER, actor="a")
    assert (dry.matched, dry.last_id) == (
        6,
        max(i.id for i in triage.list_items(world, triage.Filter())),
    )
    first_two = triage.list_items(world, triage.Filter(), limit=2)
    upto = triage.Filter(up_to_id=first_two[-1].id)
    done = triage.bulk_discard(world, upto, dry_run=False, now=LATER, actor="a")
    assert (done.matched, done.last_id) == (2, first_two[-1].id)


@pytest.mark.parametrize(
    ("criteria", "field"),
    [
        ({"reason": "a\x00"}, "reason"),
        ({"site": "\udfff"}, "site"),
        ({"received_to": date(9999, 12, 31)}, "received_to"),
        ({"received_from": date(1, 1, 1)}, "received_from"),
    ],
)
def test_a_filter_refuses_what_no_database_takes_naming_the_field(criteria, field):
    with pytest.raises(Invalid) as refused:
        triage.Filter(**criteria)
    assert field in refused.value.details
