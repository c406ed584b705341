"""Failed sign-ins per account and per address (`adoption.identity.throttle`): an account is
blocked from its fifth failure, an address from its twentieth, for 2^(n−limit) seconds, at most
15 minutes; one failure leaks away per quiet hour."""

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
    for n in range(20):
        fail(session, 1, keys=[f"account:{n}", "address:203.0.113.9"])
    assert throttle.blocked_for(session, ["account:f", "address:203.0.113.9"], now=NOW) == 1
    assert throttle.blocked_for(session, ["account:f", "address:198.51.100.1"], now=NOW) is None


def test_one_failure_leaks_away_per_quiet_hour(session):
    fail(session, 4)
    fail(session, 1, at=NOW + timedelta(hours=2))  # 4 − 2 + 1 = 3 counted
    row = session.get(LoginThrottle, "account:hana")
    assert (row.failures, row.blocked_until) == (3, None)


def test_clearing_an_account_keeps_its_addresses_count(session):
    fail(session, 20)
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


def test_an_address_is_blocked_from_its_twentieth_failure_not_its_fifth(session):
    address = ["address:203.0.113.9"]
    fail(session, 19, keys=address)
    assert throttle.blocked_for(session, address, now=NOW) is None
    fail(session, 1, keys=address)
    assert throttle.blocked_for(session, address, now=NOW) == 1
    fail(session, 1, keys=address)
    assert throttle.blocked_for(session, address, now=NOW) == 2


def test_an_account_is_blocked_from_its_fifth_failure(session):
    account = ["account:hana"]
    fail(session, 4, keys=account)
    assert throttle.blocked_for(session, account, now=NOW) is None
    fail(session, 1, keys=account)
    assert throttle.blocked_for(session, account, now=NOW) == 1


def test_a_row_idle_past_forget_after_counts_from_zero(session):
    fail(session, 9)
    fail(session, 1, at=NOW + throttle.FORGET_AFTER + timedelta(seconds=1))
    assert session.get(LoginThrottle, "account:hana").failures == 1


@given(st.text(min_size=1, max_size=300))
def test_no_key_holds_a_nul_or_is_longer_than_the_column(text):
    for key in throttle.keys_for(text, text):
        assert "\x00" not in key and len(key) <= throttle.MAX_KEY


def test_names_differing_only_after_a_nul_have_different_keys():
    assert throttle.account_key("a\x00b") != throttle.account_key("a\x00c")


def test_a_nul_name_is_counted_and_blocked_like_any_other(session):
    keys = throttle.keys_for("ha\x00na", "203.0.113.\x009")
    fail(session, 5, keys=keys)
    assert throttle.blocked_for(session, keys, now=NOW) == 1
