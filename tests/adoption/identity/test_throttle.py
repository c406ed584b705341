"""Failed sign-ins per account and per address (`adoption.identity.throttle`): five free, then
2^(n−5) seconds, at most 15 minutes; one failure leaks away per quiet hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from adoption.identity import throttle
from adoption.identity.models import LoginThrottle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KEYS = ["account:hana", "address:203.0.113.9"]


def fail(session, times: int, at: datetime = NOW, keys=KEYS) -> None:
    for _ in range(times):
        throttle.record_failure(session, keys, now=at)


def test_five_failures_are_free_of_any_block(session):
    fail(session, 4)
    assert throttle.blocked_for(session, KEYS, now=NOW) is None


def test_the_fifth_failure_blocks_for_one_second_and_each_next_doubles_it(session):
    fail(session, 5)
    assert throttle.blocked_for(session, KEYS, now=NOW) == 1
    fail(session, 1)
    assert throttle.blocked_for(session, KEYS, now=NOW) == 2
    fail(session, 3)
    assert throttle.blocked_for(session, KEYS, now=NOW) == 16


def test_a_block_ends_when_its_time_has_passed(session):
    fail(session, 7)
    assert throttle.blocked_for(session, KEYS, now=NOW + timedelta(seconds=3)) == 1
    assert throttle.blocked_for(session, KEYS, now=NOW + timedelta(seconds=4)) is None


@given(st.integers(min_value=throttle.FREE_TRIES, max_value=10**6))
def test_a_block_is_never_longer_than_fifteen_minutes(failures):
    assert timedelta(seconds=1) <= throttle.block_after(failures) <= timedelta(minutes=15)


def test_a_blocked_address_blocks_an_attempt_on_any_account(session):
    for name in ("a", "b", "c", "d", "e"):
        fail(session, 1, keys=[f"account:{name}", "address:203.0.113.9"])
    assert throttle.blocked_for(session, ["account:f", "address:203.0.113.9"], now=NOW) == 1
    assert throttle.blocked_for(session, ["account:f", "address:198.51.100.1"], now=NOW) is None


def test_one_failure_leaks_away_per_quiet_hour(session):
    fail(session, 4)
    fail(session, 1, at=NOW + timedelta(hours=2))  # 4 − 2 + 1 = 3 counted
    row = session.get(LoginThrottle, "account:hana")
    assert (row.failures, row.blocked_until) == (3, None)


def test_clearing_an_account_keeps_its_addresses_count(session):
    fail(session, 5)
    throttle.clear(session, "account:hana")
    assert throttle.blocked_for(session, ["account:hana"], now=NOW) is None
    assert throttle.blocked_for(session, ["address:203.0.113.9"], now=NOW) == 1


def test_rows_idle_for_two_days_are_deleted_at_the_next_failure(session):
    fail(session, 3, keys=["account:old"])
    fail(session, 1, at=NOW + timedelta(days=2, seconds=1), keys=["account:new"])
    assert session.get(LoginThrottle, "account:old", populate_existing=True) is None


def test_keys_match_usernames_case_insensitively_and_skip_what_is_missing():
    assert throttle.keys_for(" Hana ", "203.0.113.9") == ["account:hana", "address:203.0.113.9"]
    assert throttle.keys_for("", None) == []
