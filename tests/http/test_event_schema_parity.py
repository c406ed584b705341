"""The fast event validator and the marshmallow `EventSchema` agree on errors and on values."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.ingest.validation import MAX_FUTURE, MSG_FUTURE, validate_event
from api.schemas.events import EventBatchSchema, EventSchema, IngestResultSchema

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ABSENT = object()

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
odd_text = st.sampled_from(["", " ", "\t\n", "a\x00b", "\ud800", "x\udfff", "İ" * 65, "İ" * 64])

short_ids = st.builds(
    lambda pad, core, end: pad + core + end,
    st.sampled_from(["", " ", "\n\t "]),
    st.text(alphabet="aAbZ-._0İé", min_size=1, max_size=10),
    st.sampled_from(["", " "]),
)
# around the 128-character limit, before and after trimming
long_ids = st.builds(
    lambda pad, core: pad + core + pad,
    st.sampled_from(["", " "]),
    st.text(alphabet="xX", min_size=126, max_size=130),
)
plausible_ids = st.one_of(short_ids, short_ids, short_ids, long_ids)
odd_ids = st.one_of(
    st.sampled_from(["", " ", "\t\n", "a\x00b", "\ud800", "x\udfff", "İ" * 65, "İ" * 64]),
    st.text(max_size=20),
    json_values,
)

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# offsets with seconds print as +01:00:30, which is not RFC 3339
seconds_offsets = st.integers(min_value=-86_399, max_value=86_399).map(
    lambda seconds: timezone(timedelta(seconds=seconds))
)


@st.composite
def timestamps(draw: st.DrawFn, *, plausible: bool = False) -> str:
    """ISO texts of instants near `NOW`, near the future limit or anywhere, in varied shapes."""
    near_limit = NOW + MAX_FUTURE + timedelta(microseconds=draw(st.integers(-3, 3)))
    instant = draw(
        st.one_of(
            st.integers(-900, 900).map(lambda seconds: NOW + timedelta(seconds=seconds)),
            st.just(near_limit),
            st.datetimes(
                min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
            ).map(lambda moment: moment.replace(tzinfo=UTC)),
        )
    )
    if plausible:
        tz = draw(st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]) | offsets)
        sep = draw(st.sampled_from("Tt "))
        timespec = draw(st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]))
    else:
        tz = draw(st.none() | offsets | seconds_offsets)
        sep = draw(st.sampled_from("T t_"))
        timespec = draw(st.sampled_from(["auto", "hours", "minutes", "seconds"]))
    moment = instant.replace(tzinfo=None) if tz is None else instant.astimezone(tz)
    text = moment.isoformat(sep=sep, timespec=timespec)
    if draw(st.booleans()):
        zulus = ["Z", "z", "-00:00"] if plausible else ["+0000", "+00", "UTC"]
        text = text.replace("+00:00", draw(st.sampled_from(zulus)))
    return text


datetimes_or_garbage = st.one_of(
    timestamps(),
    st.text(alphabet="0123456789-:T+Z.,z ", max_size=30),
    st.sampled_from(["", "yesterday", "2026-11-02", "0001-01-01T00:00:00+01:00"]),
    json_values,
)
durations = st.one_of(
    st.integers(min_value=-2, max_value=2),
    st.integers(min_value=86_399_998, max_value=86_400_002),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.none(),
    json_values,
)
properties = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=6), json_values, max_size=5),
    st.builds(lambda n, ch: {"k": ch * n}, st.integers(4080, 4092), st.sampled_from("aé")),
    json_values,
)

FIELDS = {
    "event_id": (plausible_ids, odd_ids),
    "user_id": (plausible_ids, odd_ids),
    "site_id": (plausible_ids, odd_ids),
    "action": (plausible_ids, odd_ids),
    "occurred_at": (timestamps(plausible=True), datetimes_or_garbage),
    "outcome": (
        st.sampled_from(["success", "error"]),
        st.sampled_from(["ERROR", "x"]) | json_values,
    ),
    "duration_ms": (st.integers(0, 86_400_000), durations),
    "properties": (st.dictionaries(st.text(max_size=6), json_values, max_size=4), properties),
}


@st.composite
def raw_events(draw: st.DrawFn) -> object:
    """Mostly plausible events: each field valid-looking, wrong, or absent; sometimes no object."""
    if draw(st.integers(0, 19)) == 0:
        return draw(json_values)
    # a third of events plausible in every field, the rest with a few fields off or absent
    off = draw(st.sampled_from([0, 0, 1, 1, 2, 8]))
    chosen = draw(st.permutations(list(FIELDS)))[:off]
    raw: dict[str, object] = {}
    for name, (plausible, anything) in FIELDS.items():
        if name not in chosen:
            raw[name] = draw(plausible)
        elif draw(st.integers(0, 3)):
            raw[name] = draw(anything)
    if draw(st.booleans()):
        raw[draw(st.text(max_size=8))] = draw(json_values)  # unknown, or a known one overwritten
    return raw


def assert_same_verdict(raw: object) -> None:
    event, errors = validate_event(raw, NOW)
    schema = EventSchema(now=NOW)
    assert schema.validate(raw) == errors
    if event is not None:
        loaded = schema.load(raw)
        assert dataclasses.asdict(event) == loaded
        assert event.occurred_at.tzinfo is UTC
        assert loaded["occurred_at"].tzinfo is UTC


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(raw_events())
def test_fast_validator_and_schema_agree(raw):
    assert_same_verdict(raw)


@settings(max_examples=200)
@given(
    st.fixed_dictionaries({name: plausible for name, (plausible, _) in FIELDS.items()}),
)
def test_fast_validator_and_schema_clean_plausible_events_alike(raw):
    assert_same_verdict(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {},
        [],
        None,
        {
            "event_id": " e-1 ",
            "user_id": "u",
            "site_id": "S1",
            "action": " POS.Sale ",
            "occurred_at": "2026-11-02T09:15:00.123456789+05:30",
            "outcome": None,
            "duration_ms": None,
            "properties": None,
            "extra": 1,
        },
        {
            "event_id": "e\x00",
            "user_id": "\ud800",
            "site_id": 1,
            "action": "İ" * 65,
            "occurred_at": "2026-11-02T09:15:00",
            "outcome": "ERROR",
            "duration_ms": 12.0,
            "properties": {"x": float("nan")},
        },
    ],
)
def test_fast_validator_and_schema_agree_on_edge_cases(raw):
    assert_same_verdict(raw)


def test_schema_future_message_is_the_fast_paths():
    too_late = (NOW + MAX_FUTURE + timedelta(microseconds=1)).isoformat()
    raw = {"event_id": "e", "user_id": "u", "site_id": "s", "action": "a", "occurred_at": too_late}
    assert EventSchema(now=NOW).validate(raw) == {"occurred_at": [MSG_FUTURE]}


def test_schema_without_now_uses_the_clock():
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    raw = {"event_id": "e", "user_id": "u", "site_id": "s", "action": "a", "occurred_at": soon}
    assert EventSchema().validate(raw) == {}


def test_batch_and_result_schemas_round_trip():
    batch = {
        "events": [
            {
                "event_id": "e",
                "user_id": "u",
                "site_id": "s",
                "action": "a",
                "occurred_at": "2026-11-02T09:15:00Z",
            }
        ]
    }
    assert EventBatchSchema().validate(batch) == {}
    result = {
        "accepted": 1,
        "duplicates": 0,
        "quarantined": 1,
        "errors": [
            {"index": 1, "event_id": None, "details": {"occurred_at": ["Not a valid datetime."]}}
        ],
    }
    assert IngestResultSchema().dump(result) == result
