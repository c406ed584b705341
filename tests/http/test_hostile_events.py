"""Hostile events inside otherwise valid batches, sent through the real `POST /api/v1/events`.

Whatever an event holds (text with lone surrogates, integers no int holds, NaN, absurd dates and
offsets, deep or huge properties), the answer is never a 500: every event of the batch is
accepted, a duplicate or quarantined, and the valid ones are stored.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from adoption.ingest import quarantine
from adoption.ingest.validation import MSG_DURATION_RANGE, read_json
from adoption.models import Event, Quarantine

SITES = {"S001": "UTC", "S002": "America/New_York", "S003": "Pacific/Kiritimati"}
FIELDS = (
    "event_id",
    "user_id",
    "site_id",
    "action",
    "occurred_at",
    "outcome",
    "duration_ms",
    "properties",
)
_serial = itertools.count()


class HugeInt:
    """A JSON integer of `digits` that Python's json cannot write (over 4,300 digits)."""

    def __init__(self, digits: str) -> None:
        self.digits = digits


def encode(value: object) -> bytes:
    """JSON as a client would send it: NaN/Infinity as Python writes them, surrogates escaped,
    a HugeInt as its bare digits."""
    huge: dict[str, str] = {}

    def default(obj: object) -> str:
        if isinstance(obj, HugeInt):
            marker = f"@@huge-{len(huge)}@@"
            huge[marker] = obj.digits
            return marker
        raise TypeError(type(obj).__name__)

    text = json.dumps(value, default=default)
    for marker, digits in huge.items():
        text = text.replace(f'"{marker}"', digits)
    return text.encode()


def valid_event() -> dict:
    n = next(_serial)
    return {
        "event_id": f"ok-{n}",
        "user_id": f"E{n % 3:03d}",
        "site_id": list(SITES)[n % len(SITES)],
        "action": "pos.sale.complete",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "outcome": "success",
        "duration_ms": 1200,
        "properties": {"till": n},
    }


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


odd_text = st.one_of(
    st.text(st.characters(categories=["Cs", "Cc", "Zs", "Lu", "Ll", "Mn"]), max_size=20),
    st.sampled_from(
        [
            *["E\udfff", "\ud800", "", " ", "\t\n", "a\x00b", "İ" * 65, "x" * 129, "\u2028"],
            *["S001 ", "ß" * 128, "ﬃ" * 43],  # case folding lengthens: "ß" → "ss", "ﬃ" → "ffi"
        ]
    ),
)
huge_ints = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(86_399_999, 86_400_002),
    st.just(HugeInt("9" * 5000)),
    st.just(HugeInt("-" + "1" * 4400)),
)
odd_numbers = st.one_of(huge_ints, st.floats(), st.booleans())
offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
odd_datetimes = st.one_of(
    st.datetimes(timezones=offsets | st.timezones()).map(lambda moment: moment.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+00:01",
            "0001-01-02T03:00:00-14:00",
            "1969-12-31T23:59:59Z",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59-01:00",
            "9999-12-31T23:59:59.999999+23:59",
            "2026-02-30T00:00:00Z",
            "2026-11-02T09:15:00",
        ]
    ),
    st.text(alphabet="0123456789-:T+Z.z ", max_size=32),
    odd_numbers,
)
json_leaves = st.none() | st.booleans() | st.floats() | huge_ints | odd_text
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)
odd_properties = st.one_of(
    st.dictionaries(odd_text, json_values, max_size=4),
    st.integers(30, 700).map(nested),  # deep, yet shallow enough for the body to parse
    st.just({"k": "x" * 5000}),
    st.just({"k": [0] * 10_000}),
    json_values,
)
HOSTILE = {
    "event_id": odd_text | json_values,
    "user_id": odd_text | json_values,
    "site_id": odd_text | st.sampled_from(["s001", "S404"]) | json_values,
    "action": odd_text | json_values,
    "occurred_at": odd_datetimes,
    "outcome": odd_text | json_values,
    "duration_ms": odd_numbers | json_values,
    "properties": odd_properties,
}


@st.composite
def hostile_event(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)  # not even an object
    raw = valid_event()
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)):
        if draw(st.integers(0, 5)) == 0:
            del raw[name]
        else:
            raw[name] = draw(HOSTILE[name])
    return raw


@st.composite
def batches(draw: st.DrawFn) -> tuple[list, list[int]]:
    """A batch of 2-6 events, at least one of them valid; returns it and the valid positions."""
    kinds = draw(st.lists(st.booleans(), min_size=1, max_size=5))  # True: hostile
    batch, valid = [], []
    for position, hostile in enumerate([False, *kinds]):
        batch.append(draw(hostile_event()) if hostile else valid_event())
        if not hostile:
            valid.append(position)
    order = draw(st.permutations(range(len(batch))))
    return [batch[i] for i in order], [order.index(i) for i in valid]


@pytest.fixture
def world(make_site, make_employee, make_token):
    for code, zone in SITES.items():
        make_site(code, zone)
    make_employee("E000", "S001")
    return make_token("ingest", name="pos")


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="ops-admin")


def post(client, headers, body: bytes):
    return client.post(
        "/api/v1/events", data=body, headers={**headers, "Content-Type": "application/json"}
    )


def stored_ids(session, ids: list[str]) -> set[str]:
    session.rollback()  # a fresh view under SQLite WAL
    rows = session.scalars(
        select(Event.event_id).where(Event.source == "pos", Event.event_id.in_(ids))
    )
    return set(rows)


def quarantine_keys(session) -> set[str]:
    session.rollback()
    return set(session.scalars(select(Quarantine.dedup_key).where(Quarantine.source == "pos")))


def quarantine_size(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Quarantine))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=batches())
def test_hostile_events_never_cost_the_batch(world, admin, client, session, drawn):
    batch, valid_positions = drawn
    body = encode(batch)
    response = post(client, world, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    result = response.json
    assert result["accepted"] + result["duplicates"] + result["quarantined"] == len(batch)
    valid_ids = [batch[i]["event_id"] for i in valid_positions]
    assert stored_ids(session, valid_ids) == set(valid_ids)
    refused = {error["index"] for error in result["errors"]}
    assert len(refused) == result["quarantined"]
    assert refused.isdisjoint(valid_positions)
    sent = read_json(body)  # what the server read, to name each refused event's quarantine row
    keys = {quarantine.dedup_key(sent[i], quarantine.payload_bytes(sent[i]))[0] for i in refused}
    assert keys <= quarantine_keys(session)
    listed = client.get("/api/v1/quarantine?status=all&limit=1000", headers=admin)
    assert listed.status_code == 200  # whatever the quarantine holds, it can be read back


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("occurred_at", "0001-01-01T00:00:00Z", "Must not be before 1970-01-01T00:00:00Z."),
        ("occurred_at", "9999-12-31T23:59:59Z", "Must not be more than 5 minutes in the future."),
        ("occurred_at", "9999-12-31T23:59:59-01:00", "Not a valid datetime."),
        ("occurred_at", "0001-01-01T00:00:00+00:01", "Not a valid datetime."),
        ("duration_ms", HugeInt("9" * 5000), None),
        ("duration_ms", 1.5, "Not a valid integer."),
        ("duration_ms", True, "Not a valid integer."),
        ("duration_ms", float("nan"), "Not a valid integer."),
        ("duration_ms", float("inf"), "Not a valid integer."),
        ("duration_ms", 2**70, MSG_DURATION_RANGE),
        ("duration_ms", 86_400_001, MSG_DURATION_RANGE),
        ("duration_ms", "1200", "Not a valid integer."),
        ("event_id", "E\udfff", "Not a valid string."),
        ("event_id", "e\x00", "Not a valid string."),
        ("user_id", "E\udfff", "Not a valid string."),
        ("user_id", "E\x00", "Not a valid string."),
        ("user_id", "ß" * 128, "Length must be between 1 and 128."),  # 256 once case-folded
        ("site_id", "S001\x00", "Not a valid string."),
        ("action", "pos.\ud800", "Not a valid string."),
        ("properties", {"k": "a\x00b"}, "Must be serialisable as JSON."),
        ("properties", {"\udfff": 1}, "Must be serialisable as JSON."),
        ("properties", {"k": float("nan")}, "Must be serialisable as JSON."),
        ("properties", [1, 2], "Not a valid mapping type."),
        ("properties", {"k": "x" * 5000}, "Must be at most 4096 bytes when serialised."),
        ("properties", nested(700), "Must be nested at most 32 levels deep."),
        ("properties", {"n": HugeInt("1" * 5000)}, "Must be serialisable as JSON."),
    ],
)
def test_each_hostile_value_is_quarantined_naming_its_field(
    world, client, session, field, value, reason
):
    good, bad = valid_event(), valid_event()
    bad[field] = value
    response = post(client, world, encode([good, bad]))
    assert response.status_code == 200
    assert response.json["accepted"] == 1 and response.json["quarantined"] == 1
    [error] = response.json["errors"]
    assert error["index"] == 1
    assert list(error["details"]) == [field]
    if reason is not None:
        assert error["details"][field] == [reason]
    assert stored_ids(session, [good["event_id"]]) == {good["event_id"]}
    assert quarantine_size(session) == 1


def test_a_quarantined_huge_number_keeps_its_digits(world, client, session):
    bad = valid_event()
    bad["duration_ms"] = HugeInt("9" * 5000)
    post(client, world, encode([bad]))
    session.rollback()
    payload = session.scalar(select(Quarantine.payload))
    assert b'"duration_ms":' + b"9" * 5000 in payload


@pytest.mark.parametrize("site_id", list(SITES))
@pytest.mark.parametrize(
    ("occurred_at", "reason"),
    [
        ("0001-01-01T00:00:00Z", "Must not be before 1970-01-01T00:00:00Z."),
        ("0001-01-01T00:00:00+00:01", "Not a valid datetime."),
        ("9999-12-31T23:59:59-01:00", "Not a valid datetime."),
        ("9999-12-31T23:59:59+14:00", "Must not be more than 5 minutes in the future."),
    ],
)
def test_a_date_no_site_can_place_is_quarantined_beside_a_stored_event(
    world, client, session, site_id, occurred_at, reason
):
    # the original report: year 1 next to a valid event at a site west of UTC answered 500
    good, bad = valid_event(), {**valid_event(), "site_id": site_id, "occurred_at": occurred_at}
    response = post(client, world, encode([good, bad]))
    assert response.status_code == 200
    assert response.json["errors"] == [
        {"index": 1, "event_id": bad["event_id"], "details": {"occurred_at": [reason]}}
    ]
    assert stored_ids(session, [good["event_id"]]) == {good["event_id"]}
    assert quarantine_size(session) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"9" * 5000, 'The body must be an array of events or {"events": [...]}.'),
        (b"[" * 3000, "The body's JSON is nested too deeply."),
        (b"\xff\xfe\xfa", "The body is not valid JSON: "),
        (b"[NaN, Infinity", "The body is not valid JSON: "),
    ],
    ids=["5000-digit integer", "3000 nested arrays", "invalid UTF-8", "unclosed array"],
)
def test_an_unreadable_body_is_400_naming_the_body_and_kept_whole(
    world, client, session, body, reason
):
    response = post(client, world, body)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "malformed_body"
    [message] = error["details"]["body"]
    assert message.startswith(reason) and message == error["message"]
    session.rollback()
    item = session.scalar(select(Quarantine))
    assert (item.kind, item.payload, item.reasons) == ("body", body, {"body": [message]})
