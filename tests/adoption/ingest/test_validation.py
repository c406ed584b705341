"""The per-event rules of CONTRACT.md "Events", as checked on the ingestion hot path."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.ingest import validation
from adoption.ingest.validation import (
    MAX_BODY_BYTES,
    MAX_DURATION_MS,
    MAX_EVENTS_PER_BATCH,
    MAX_FUTURE,
    MAX_PROPERTIES_BYTES,
    MSG_DATETIME,
    MSG_DURATION_RANGE,
    MSG_FUTURE,
    MSG_INTEGER,
    MSG_LENGTH,
    MSG_MAPPING,
    MSG_MISSING,
    MSG_NAIVE,
    MSG_NOT_JSON,
    MSG_NOT_STRING,
    MSG_NULL,
    MSG_OUTCOME,
    MSG_PROPERTIES_DEPTH,
    MSG_PROPERTIES_SIZE,
    MSG_TOO_OLD,
    OversizedNumber,
    UnreadableJson,
    ValidEvent,
    read_json,
    validate_event,
)

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
REQUIRED = ("event_id", "user_id", "site_id", "action", "occurred_at")
IDENTIFIERS = ("event_id", "user_id", "site_id", "action")
FIELDS = (*REQUIRED, "outcome", "duration_ms", "properties")


def event(**changes: object) -> dict:
    raw: dict[str, object] = {
        "event_id": "e-1",
        "user_id": "u-1",
        "site_id": "S001",
        "action": "pos.sale.complete",
        "occurred_at": "2026-11-02T09:15:00+01:00",
    }
    raw.update(changes)
    return raw


def errors_of(raw: object) -> dict[str, list[str]]:
    valid, errors = validate_event(raw, NOW)
    assert (valid is None) == bool(errors)
    return errors


def cleaned(raw: object) -> ValidEvent:
    valid, errors = validate_event(raw, NOW)
    assert errors == {}
    assert valid is not None
    return valid


def test_limits_match_the_contract():
    assert MAX_EVENTS_PER_BATCH == 10_000
    assert MAX_BODY_BYTES == 10 * 1024 * 1024
    assert MAX_PROPERTIES_BYTES == 4096
    assert timedelta(minutes=5) == MAX_FUTURE
    assert MAX_DURATION_MS == 86_400_000


def test_minimal_event_gets_the_defaults():
    assert cleaned(event()) == ValidEvent(
        event_id="e-1",
        user_id="u-1",
        site_id="S001",
        action="pos.sale.complete",
        occurred_at=datetime(2026, 11, 2, 8, 15, tzinfo=UTC),
        outcome="success",
        duration_ms=None,
        properties=None,
    )


@pytest.mark.parametrize("raw", [[], "event", 1, None, [event()]])
def test_non_object_is_an_invalid_input_type(raw):
    assert errors_of(raw) == {"_schema": ["Invalid input type."]}


@pytest.mark.parametrize("field", REQUIRED)
def test_missing_required_field_is_reported(field):
    raw = event()
    del raw[field]
    assert errors_of(raw) == {field: [MSG_MISSING]}


@pytest.mark.parametrize("field", REQUIRED)
def test_null_required_field_is_reported(field):
    assert errors_of(event(**{field: None})) == {field: [MSG_NULL]}


@pytest.mark.parametrize("field", IDENTIFIERS)
@pytest.mark.parametrize("value", [1, 1.5, True, [], {}, b"e-1"])
def test_non_string_identifier_is_not_a_valid_string(field, value):
    assert errors_of(event(**{field: value})) == {field: [MSG_NOT_STRING]}


@pytest.mark.parametrize("field", IDENTIFIERS)
def test_identifier_of_128_chars_is_accepted(field):
    assert getattr(cleaned(event(**{field: "a" * 128})), field) == "a" * 128


@pytest.mark.parametrize("field", IDENTIFIERS)
@pytest.mark.parametrize("value", ["a" * 129, "", "   ", "\t\n"])
def test_identifier_outside_1_to_128_chars_after_trimming_is_rejected(field, value):
    assert errors_of(event(**{field: value})) == {field: [MSG_LENGTH]}


def test_length_is_counted_after_trimming():
    assert cleaned(event(event_id="  " + "a" * 128 + "\n")).event_id == "a" * 128


def test_identifiers_are_trimmed():
    valid = cleaned(event(event_id=" e-1 ", user_id="\tU-7\n", site_id=" S001"))
    assert (valid.event_id, valid.user_id, valid.site_id) == ("e-1", "U-7", "S001")


def test_action_is_trimmed_and_lower_cased_but_ids_keep_their_case():
    valid = cleaned(event(action=" POS.Sale.Complete ", user_id="Anna.B", site_id="s001"))
    assert (valid.action, valid.user_id, valid.site_id) == ("pos.sale.complete", "Anna.B", "s001")


def test_action_length_is_checked_after_lower_casing():
    # "İ".lower() is "i" + a combining dot: 64 characters become 128, 65 become 130
    assert cleaned(event(action="İ" * 64)).action == "i̇" * 64
    assert errors_of(event(action="İ" * 65)) == {"action": [MSG_LENGTH]}


def test_user_id_length_is_checked_once_case_folded():
    # the employee's matching key is the case-folded id: "ß" folds to "ss", 64 become 128
    assert cleaned(event(user_id="ß" * 64)).user_id == "ß" * 64
    assert errors_of(event(user_id="ß" * 65)) == {"user_id": [MSG_LENGTH]}
    assert errors_of(event(user_id="ß" * 128)) == {"user_id": [MSG_LENGTH]}


@pytest.mark.parametrize("value", ["e\x00-1", "e-\ud800"])
def test_text_no_database_stores_is_not_a_valid_string(value):
    assert errors_of(event(event_id=value)) == {"event_id": [MSG_NOT_STRING]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02T09:15:00Z", datetime(2026, 11, 2, 9, 15, tzinfo=UTC)),
        ("2026-11-02T09:15:00+05:30", datetime(2026, 11, 2, 3, 45, tzinfo=UTC)),
        ("2026-11-02T00:15:00-08:00", datetime(2026, 11, 2, 8, 15, tzinfo=UTC)),
        ("2026-11-02T09:15:00.5+01:00", datetime(2026, 11, 2, 8, 15, 0, 500_000, tzinfo=UTC)),
        # nanoseconds are cut to Python's microseconds
        ("2026-11-02T09:15:00.123456789Z", datetime(2026, 11, 2, 9, 15, 0, 123456, tzinfo=UTC)),
        # RFC 3339 5.6: "T" and "Z" may be lower case, the separator a space
        ("2026-11-02t09:15:00z", datetime(2026, 11, 2, 9, 15, tzinfo=UTC)),
        ("2026-11-02 09:15:00-00:00", datetime(2026, 11, 2, 9, 15, tzinfo=UTC)),
    ],
)
def test_occurred_at_is_converted_to_utc(text, expected):
    occurred_at = cleaned(event(occurred_at=text)).occurred_at
    assert occurred_at == expected
    assert occurred_at.tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-11-02T09:15:00", "2026-11-02 09:15:00.250"])
def test_naive_occurred_at_is_not_aware(text):
    assert errors_of(event(occurred_at=text)) == {"occurred_at": [MSG_NAIVE]}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2026-11-02",
        "2026-11-02T09:15Z",
        "2026-11-02T09Z",
        "2026-11-02T09:15:00+0100",
        "2026-11-02T09:15:00+01",
        "2026-11-02T09:15:00 +01:00",
        "20261102T091500Z",
        "2026-W45-1T09:15:00Z",
        "2026-11-02T09:15:00,5Z",
        "2026-11-02T09:15:00.Z",
        "2026-13-02T09:15:00Z",
        "2026-02-30T09:15:00Z",
        "2026-11-02T24:00:00Z",
        "2026-11-02T09:15:60Z",
        "2026-11-02T09:15:00+24:00",
        "2026-11-02T09:15:00Z\n",
        " 2026-11-02T09:15:00Z",
        "\uff12\uff10\uff12\uff16-11-02T09:15:00Z",  # full-width digits
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        1_793_610_900,
        1.5,
        True,
        ["2026-11-02T09:15:00Z"],
    ],
)
def test_malformed_occurred_at_is_not_a_valid_datetime(value):
    assert errors_of(event(occurred_at=value)) == {"occurred_at": [MSG_DATETIME]}


def test_occurred_at_exactly_five_minutes_ahead_is_accepted():
    limit = NOW + timedelta(minutes=5)
    assert cleaned(event(occurred_at=limit.isoformat())).occurred_at == limit


def test_occurred_at_one_microsecond_past_five_minutes_ahead_is_in_the_future():
    too_late = (NOW + timedelta(minutes=5, microseconds=1)).isoformat()
    assert errors_of(event(occurred_at=too_late)) == {"occurred_at": [MSG_FUTURE]}


def test_future_limit_compares_instants_not_wall_clocks():
    # 13:05 at +01:00 is 12:05 UTC, exactly the limit; 13:05:01 at +01:00 is past it
    assert cleaned(event(occurred_at="2026-11-02T13:05:00+01:00"))
    assert errors_of(event(occurred_at="2026-11-02T13:05:01+01:00")) == {
        "occurred_at": [MSG_FUTURE]
    }


def test_future_limit_follows_now_in_another_zone():
    now = NOW.astimezone(timezone(timedelta(hours=-5)))
    valid, errors = validate_event(event(occurred_at="2026-11-02T12:05:00Z"), now)
    assert errors == {}
    assert valid is not None


def test_old_events_are_accepted():
    assert cleaned(event(occurred_at="2019-01-01T00:00:00Z")).occurred_at.year == 2019


@pytest.mark.parametrize(("value", "expected"), [("error", "error"), ("success", "success")])
def test_outcome_success_or_error(value, expected):
    assert cleaned(event(outcome=value)).outcome == expected


def test_null_outcome_means_the_default():
    assert cleaned(event(outcome=None)).outcome == "success"


@pytest.mark.parametrize("value", ["ERROR", "Success", " error", "failed", ""])
def test_other_outcome_is_rejected(value):
    assert errors_of(event(outcome=value)) == {"outcome": [MSG_OUTCOME]}


@pytest.mark.parametrize("value", [0, True, ["error"]])
def test_non_string_outcome_is_not_a_valid_string(value):
    assert errors_of(event(outcome=value)) == {"outcome": [MSG_NOT_STRING]}


@pytest.mark.parametrize("value", [0, 1, 86_400_000])
def test_duration_within_a_day_is_accepted(value):
    assert cleaned(event(duration_ms=value)).duration_ms == value


def test_null_duration_means_absent():
    assert cleaned(event(duration_ms=None)).duration_ms is None


def test_numpy_integer_duration_becomes_int():
    duration = cleaned(event(duration_ms=np.int64(1500))).duration_ms
    assert duration == 1500
    assert type(duration) is int


@pytest.mark.parametrize("value", [-1, 86_400_001, 10**30])
def test_duration_outside_a_day_is_out_of_range(value):
    assert errors_of(event(duration_ms=value)) == {"duration_ms": [MSG_DURATION_RANGE]}


@pytest.mark.parametrize("value", [True, False, 12.5, 12.0, "12", [12], float("nan")])
def test_duration_that_is_no_integer_is_rejected(value):
    assert errors_of(event(duration_ms=value)) == {"duration_ms": [MSG_INTEGER]}


def test_properties_of_exactly_4096_bytes_are_accepted():
    # {"k":"…"} is 8 bytes around the value; "é" is 2 bytes in UTF-8: 8 + 2 * 2044 = 4096
    properties = {"k": "é" * 2044}
    assert cleaned(event(properties=properties)).properties == properties


def test_properties_of_4097_bytes_are_too_large():
    # 8 + 4089 = 4097 bytes
    assert errors_of(event(properties={"k": "a" * 4089})) == {"properties": [MSG_PROPERTIES_SIZE]}


def test_properties_are_measured_in_bytes_not_characters():
    # 2045 characters, but 8 + 2 * 2045 = 4098 bytes
    assert errors_of(event(properties={"k": "é" * 2045})) == {"properties": [MSG_PROPERTIES_SIZE]}


def test_nested_properties_are_kept():
    properties = {"cart": {"items": [1, 2.5, None, True]}, "till": "3"}
    assert cleaned(event(properties=properties)).properties == properties


def test_null_properties_mean_absent():
    assert cleaned(event(properties=None)).properties is None


def test_other_mapping_properties_become_a_dict():
    properties = cleaned(event(properties=MappingProxyType({"a": 1}))).properties
    assert properties == {"a": 1}
    assert type(properties) is dict


@pytest.mark.parametrize("value", [[], ["a"], "a=1", 1, True])
def test_properties_that_are_no_object_are_rejected(value):
    assert errors_of(event(properties=value)) == {"properties": [MSG_MAPPING]}


@pytest.mark.parametrize(
    "value",
    [
        {"x": float("nan")},
        {"x": float("inf")},
        {"x": {1, 2}},
        {"x": "\ud800"},
        {"x": ["a\x00b"]},
        {"a\x00": 1},
    ],
)
def test_properties_that_no_database_stores_as_json_are_rejected(value):
    assert errors_of(event(properties=value)) == {"properties": [MSG_NOT_JSON]}


def test_escaped_backslash_before_u0000_text_is_no_nul():
    properties = {"path": "C:\\u0000", "odd": "\\\\u0000"}
    assert cleaned(event(properties=properties)).properties == properties


def test_unknown_fields_are_ignored():
    assert cleaned(event(source="pos", extra={"a": 1})) == cleaned(event())


def test_all_errors_of_an_event_are_reported_at_once():
    raw = {
        "event_id": "",
        "user_id": None,
        "action": 7,
        "occurred_at": "2026-11-02T09:15:00",
        "outcome": "ok",
        "duration_ms": -5,
        "properties": [],
    }
    assert errors_of(raw) == {
        "event_id": [MSG_LENGTH],
        "user_id": [MSG_NULL],
        "site_id": [MSG_MISSING],
        "action": [MSG_NOT_STRING],
        "occurred_at": [MSG_NAIVE],
        "outcome": [MSG_OUTCOME],
        "duration_ms": [MSG_DURATION_RANGE],
        "properties": [MSG_MAPPING],
    }


def test_messages_are_marshmallows_wording():
    assert (MSG_MISSING, MSG_NULL, MSG_NOT_STRING, MSG_LENGTH) == (
        "Missing data for required field.",
        "Field may not be null.",
        "Not a valid string.",
        "Length must be between 1 and 128.",
    )
    assert (MSG_DATETIME, MSG_NAIVE, MSG_FUTURE, MSG_OUTCOME) == (
        "Not a valid datetime.",
        "Not a valid aware datetime.",
        "Must not be more than 5 minutes in the future.",
        "Must be one of: success, error.",
    )
    assert (MSG_INTEGER, MSG_DURATION_RANGE, MSG_MAPPING, MSG_PROPERTIES_SIZE) == (
        "Not a valid integer.",
        "Must be greater than or equal to 0 and less than or equal to 86400000.",
        "Not a valid mapping type.",
        "Must be at most 4096 bytes when serialised.",
    )


def test_validation_does_not_change_the_raw_event():
    raw = event(action=" POS.Sale ", properties={"a": [1]})
    snapshot = {**raw, "properties": {"a": [1]}}
    cleaned(raw)
    assert raw == snapshot


# --- the rules the retired marshmallow parity test covered, stated as rules of validate_event ---


def test_every_error_of_a_hostile_event_is_reported_with_the_field():
    raw = {
        "event_id": "e\x00",
        "user_id": "\ud800",
        "site_id": 1,
        "action": "İ" * 65,
        "occurred_at": "2026-11-02T09:15:00",
        "outcome": "ERROR",
        "duration_ms": 12.0,
        "properties": {"x": float("nan")},
    }
    assert errors_of(raw) == {
        "event_id": [MSG_NOT_STRING],
        "user_id": [MSG_NOT_STRING],
        "site_id": [MSG_NOT_STRING],
        "action": [MSG_LENGTH],
        "occurred_at": [MSG_NAIVE],
        "outcome": [MSG_OUTCOME],
        "duration_ms": [MSG_INTEGER],
        "properties": [MSG_NOT_JSON],
    }


def test_an_empty_object_misses_every_required_field():
    assert errors_of({}) == {field: [MSG_MISSING] for field in REQUIRED}


def test_a_plausible_event_with_every_field_is_cleaned():
    raw = {
        "event_id": " e-1 ",
        "user_id": "u",
        "site_id": "S1",
        "action": " POS.Sale ",
        "occurred_at": "2026-11-02T09:15:00.123456789+05:30",
        "outcome": None,
        "duration_ms": None,
        "properties": None,
        "extra": 1,
    }
    assert cleaned(raw) == ValidEvent(
        event_id="e-1",
        user_id="u",
        site_id="S1",
        action="pos.sale",
        occurred_at=datetime(2026, 11, 2, 3, 45, 0, 123456, tzinfo=UTC),
        outcome="success",
        duration_ms=None,
        properties=None,
    )


@pytest.mark.parametrize("micros", [-3, 0])
def test_the_future_limit_is_inclusive_to_the_microsecond(micros):
    at = (NOW + MAX_FUTURE + timedelta(microseconds=micros)).isoformat()
    assert cleaned(event(occurred_at=at)).occurred_at == NOW + MAX_FUTURE + timedelta(
        microseconds=micros
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-02T09:15:00+01:00:30",  # an offset with seconds is not RFC 3339
        "2026-11-02T09:15:00+0000",
        "2026-11-02T09:15:00UTC",
        "2026-11-02_09:15:00Z",
        "2026-11-02T09Z",
    ],
)
def test_iso_shapes_outside_rfc_3339_are_not_valid_datetimes(text):
    assert errors_of(event(occurred_at=text)) == {"occurred_at": [MSG_DATETIME]}


# --- hostile input: every event is cleaned or refused with reasons, nothing raises ---


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-02T12:00:00+05:00",
        "1969-12-31T23:59:59.999999Z",
        "1970-01-01T00:59:59+01:00",  # 1969-12-31T23:59:59Z
    ],
)
def test_occurred_at_before_1970_is_too_old(text):
    assert errors_of(event(occurred_at=text)) == {"occurred_at": [MSG_TOO_OLD]}


def test_occurred_at_at_the_epoch_is_accepted():
    assert cleaned(event(occurred_at="1970-01-01T01:00:00+01:00")).occurred_at == datetime(
        1970, 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999-12-31T23:59:59Z", MSG_FUTURE),
        ("9999-12-31T23:59:59.999999+14:00", MSG_FUTURE),
        ("9999-12-31T23:59:59-01:00", MSG_DATETIME),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+00:01", MSG_DATETIME),  # before year 1 in UTC
    ],
)
def test_dates_at_the_limits_of_a_datetime_are_refused(text, message):
    assert errors_of(event(occurred_at=text)) == {"occurred_at": [message]}


def test_a_5000_digit_duration_is_out_of_range():
    raw = read_json('{"duration_ms": ' + "9" * 5000 + "}")
    assert isinstance(raw["duration_ms"], OversizedNumber)
    assert errors_of(event(duration_ms=raw["duration_ms"])) == {"duration_ms": [MSG_DURATION_RANGE]}
    assert errors_of(event(duration_ms=OversizedNumber("-" + "1" * 5000))) == {
        "duration_ms": [MSG_DURATION_RANGE]
    }


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), 1e300, -0.0])
def test_floats_of_any_size_are_no_integer(value):
    assert errors_of(event(duration_ms=value)) == {"duration_ms": [MSG_INTEGER]}


@pytest.mark.parametrize("field", IDENTIFIERS)
def test_an_oversized_number_is_no_identifier(field):
    assert errors_of(event(**{field: OversizedNumber("1" * 5000)})) == {field: [MSG_NOT_STRING]}


def test_an_oversized_number_in_properties_is_no_storable_json():
    assert errors_of(event(properties={"n": OversizedNumber("1" * 5000)})) == {
        "properties": [MSG_NOT_JSON]
    }


def nested(levels: int) -> dict:
    """A properties object `levels` containers deep: {"a": {"a": ... {} }}."""
    value: dict = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_properties_32_levels_deep_are_accepted():
    assert cleaned(event(properties=nested(32))).properties == nested(32)


@pytest.mark.parametrize("levels", [33, 500, 5000])
def test_properties_deeper_than_32_levels_are_refused(levels):
    assert errors_of(event(properties=nested(levels))) == {"properties": [MSG_PROPERTIES_DEPTH]}


def test_deep_lists_count_as_levels_too():
    value: object = 1
    for _ in range(40):
        value = [value]
    assert errors_of(event(properties={"a": value})) == {"properties": [MSG_PROPERTIES_DEPTH]}


def test_properties_with_more_values_than_bytes_are_too_large_before_being_written():
    assert errors_of(event(properties={"a": [0] * 100_000})) == {
        "properties": [MSG_PROPERTIES_SIZE]
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'[1, 2.5, "x"]', [1, 2.5, "x"]),
        ("[NaN]", None),
        (b"1" * 5000, OversizedNumber("1" * 5000)),
        (b"-" + b"1" * 5000, OversizedNumber("-" + "1" * 5000)),
        (b"1" * 4000, int("1" * 4000)),
    ],
)
def test_read_json_reads_numbers_no_int_holds(body, expected):
    value = read_json(body)
    if expected is None:
        assert value[0] != value[0]  # NaN
    else:
        assert value == expected


@pytest.mark.parametrize(
    "body",
    [b"[" * 3000, b"[" * 3000 + b"]" * 3000, b"{oops", b"\xff\xfe", b"", b'{"a": 1}x'],
)
def test_read_json_raises_only_unreadable_json(body):
    with pytest.raises(UnreadableJson):
        read_json(body)


def test_unreadable_json_names_the_body_and_the_reason():
    with pytest.raises(UnreadableJson) as caught:
        read_json(b"[" * 3000)
    assert caught.value.details == {"body": ["The body's JSON is nested too deeply."]}


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.builds(OversizedNumber, st.just("7" * 4500))
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)
hostile_text = st.text() | st.sampled_from(
    ["", " ", "a\x00b", "\ud800", "E\udfff", "İ" * 65, "ß" * 65, "ﬃ" * 43]
)
hostile_datetimes = st.one_of(
    st.datetimes(timezones=st.timezones() | st.just(UTC)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00Z"]),
    st.text(alphabet="0123456789-:T+Z.z ", max_size=32),
    json_values,
)
hostile_events = st.fixed_dictionaries(
    {},
    optional={
        "event_id": hostile_text | json_values,
        "user_id": hostile_text | json_values,
        "site_id": hostile_text | json_values,
        "action": hostile_text | json_values,
        "occurred_at": hostile_datetimes,
        "outcome": st.sampled_from(["success", "error", "ERROR"]) | json_values,
        "duration_ms": st.integers() | json_values,
        "properties": st.dictionaries(st.text(max_size=4), json_values) | json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_events | json_values)
def test_any_input_is_cleaned_or_refused_with_reasons_naming_fields(raw):
    valid, errors = validate_event(raw, NOW)
    if valid is None:
        assert errors and set(errors) <= {*FIELDS, "_schema"}
        for messages in errors.values():
            assert messages and all(isinstance(message, str) for message in messages)
        return
    assert errors == {}
    for field in IDENTIFIERS:
        value = getattr(valid, field)
        assert value == value.strip() and 0 < len(value) <= 128
        value.encode("utf-8")
    assert len(valid.user_id.casefold()) <= 128  # the employee's matching key fits its column
    assert valid.occurred_at.tzinfo is UTC
    assert datetime(1970, 1, 1, tzinfo=UTC) <= valid.occurred_at <= NOW + MAX_FUTURE
    assert valid.outcome in ("success", "error")
    assert valid.duration_ms is None or 0 <= valid.duration_ms <= MAX_DURATION_MS
    if valid.properties is not None:
        text = json.dumps(valid.properties, ensure_ascii=False, allow_nan=False)
        assert len(text.encode("utf-8")) <= MAX_PROPERTIES_BYTES


def reference_compact_json(value: dict) -> str | None:
    """What properties validation stored before it kept one C encoder: json.JSONEncoder's
    compact text, None where it refuses the value or the text holds what no database stores."""
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        text = encoder.encode(value)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return None
    return None if re.search(r"(?<!\\)(?:\\\\)*\\u0000", text) else text


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=4), json_values | st.sets(st.integers(), max_size=2)))
def test_the_properties_text_is_what_the_json_encoder_writes(value):
    assert validation._compact_json(value) == reference_compact_json(value)


def test_a_circular_properties_value_is_not_json():
    value: dict = {"a": [1]}
    value["a"].append(value)
    assert validation._compact_json(value) is None
    assert errors_of(event(properties=value))["properties"] == [MSG_PROPERTIES_DEPTH]
