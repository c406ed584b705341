"""The pure mapping of Segment and PostHog messages (`adoption.ingest.compat`): whatever a
message holds, mapping never raises, and every message comes back exactly once: an Uptake
event, an identify, ignored, or rejected with reasons naming the message's field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoption.errors import Invalid
from adoption.ingest.compat import (
    check_mapping,
    default_action,
    map_messages,
    parse_map_options,
)
from adoption.ingest.receive import check_messages

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["", "S001", "Sale Completed", "$identify", "$pageview", "2026-11-30T10:00Z"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["type", "event", "userId", "anonymousId", "messageId", "timestamp", "originalTimestamp",
     "properties", "traits", "context", "distinct_id", "uuid", "$set"]
)  # fmt: skip
messages = st.one_of(values, st.dictionaries(field_names, values, max_size=8))
mappings = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "site": st.sampled_from(["properties.store", "context.groupId", "traits.site_id"]),
            "action": st.sampled_from(["event", "properties.action"]),
            "user": st.sampled_from(["userId", "properties.clerk"]),
            "actions": st.dictionaries(st.text(min_size=1, max_size=10), st.just("x.y")),
            "$events": st.sampled_from(["ignore", "map"]),
        },
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    fmt=st.sampled_from(["segment", "posthog"]),
    batch=st.lists(messages, max_size=6),
    mapping=mappings,
)
def test_every_message_is_mapped_exactly_once_and_nothing_raises(fmt, batch, mapping):
    mapped = map_messages(fmt, batch, mapping, NOW)
    indexes = (
        [index for index, *_ in mapped.events]
        + [identify.index for identify in mapped.identifies]
        + [index for index, *_ in mapped.rejected]
    )
    assert len(indexes) == len(set(indexes))
    assert len(indexes) + mapped.ignored == len(batch)
    for _, _, reasons in mapped.rejected:
        assert reasons and all(isinstance(m, list) and m for m in reasons.values())
    checked = check_messages(mapped, NOW)  # the one validator: never raises either
    for _, _, valid, errors in checked.items:
        assert (valid is None) == bool(errors)
        assert "occurred_at" not in errors and "user_id" not in errors  # named as sent


def test_segment_defaults():
    message = {
        "type": "track",
        "messageId": "m1",
        "userId": 42,
        "event": "  Sale   Completed ",
        "timestamp": "2026-11-30T10:00:00Z",
        "context": {"groupId": "S009"},
        "properties": {"duration_ms": 5, "outcome": "error", "basket": 2},
    }
    [(_, _, event, origin)] = map_messages("segment", [message], None, NOW).events
    assert event == {
        "event_id": "m1",
        "user_id": "42",
        "site_id": "S009",
        "action": "sale.completed",
        "occurred_at": "2026-11-30T10:00:00Z",
        "outcome": "error",
        "duration_ms": 5,
        "properties": {"basket": 2},
    }
    assert origin["site_id"] == "context.groupId"


def test_anonymous_only_is_rejected_naming_user_id():
    mapped = map_messages("segment", [{"anonymousId": "a", "event": "x"}], None, NOW)
    assert list(mapped.rejected[0][2]) == ["userId"]


def test_no_timestamp_is_the_time_received():
    message = {"userId": "E1", "event": "x", "messageId": "m", "properties": {"site_id": "S"}}
    [(_, _, event, _)] = map_messages("segment", [message], None, NOW).events
    assert event["occurred_at"] == NOW.isoformat()


def test_posthog_dollar_events():
    batch = [
        {"event": "$pageview", "distinct_id": "E1"},
        {"event": "$identify", "distinct_id": "E1"},
    ]
    assert map_messages("posthog", batch, None, NOW).ignored == 2
    mapped = map_messages("posthog", batch, {"$events": "map"}, NOW)
    assert [i.user_id for i in mapped.identifies] == ["E1"] and len(mapped.events) == 1
    explicit = map_messages("posthog", batch[:1], {"actions": {"$pageview": "web.page"}}, NOW)
    assert explicit.events[0][2]["action"] == "web.page"


def test_default_action():
    assert default_action("Sale Completed") == "sale.completed"
    assert default_action("pos.sale.complete") == "pos.sale.complete"


@pytest.mark.parametrize(
    ("fmt", "mapping", "field"),
    [
        ("segment", {"colour": "red"}, "mapping.colour"),
        ("segment", {"site": "properties..store"}, "mapping.site"),
        ("segment", {"site": 5}, "mapping.site"),
        ("segment", {"$events": "map"}, "mapping.$events"),
        ("posthog", {"$events": "maybe"}, "mapping.$events"),
        ("posthog", {"actions": {"Sale": ""}}, "mapping.actions.Sale"),
        ("posthog", {"actions": "Sale=x"}, "mapping.actions"),
        ("uptake", {"site": "x"}, "mapping"),
        ("segment", ["site"], "mapping"),
    ],
)
def test_bad_mappings_name_the_key(fmt, mapping, field):
    with pytest.raises(Invalid) as bad:
        check_mapping(fmt, mapping)
    assert field in bad.value.details


def test_map_options():
    assert parse_map_options(["site=properties.store", "actions.Sale Completed=sale.done"]) == {
        "site": "properties.store",
        "actions": {"Sale Completed": "sale.done"},
    }
    with pytest.raises(Invalid) as bad:
        parse_map_options(["site"])
    assert "map" in bad.value.details
