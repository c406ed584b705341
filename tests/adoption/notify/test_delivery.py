"""Subscriptions, the outbox and the sender against real receivers: a local HTTP server that
checks the signature, one that fails twice then succeeds, and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from adoption.errors import Invalid
from adoption.notify import channels, sender
from adoption.notify.channels import Mailer, Sent
from adoption.notify.events import MONTH_CLOSED, PERSON_BADGE, QUARANTINE_GROWING
from adoption.notify.models import NotificationAttempt, NotificationDelivery
from adoption.notify.outbox import emit, list_deliveries
from adoption.notify.sender import (
    SendPolicy,
    backoff,
    claim_due,
    deliver_due,
    lease_for,
    record_attempt,
    send_test,
)
from adoption.notify.subscriptions import describe, remove, subscribe
from tests.adoption.notify.receivers import http_receiver, slow_receiver, smtp_server

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECRET = "a-webhook-secret-of-some-length"
POLICY = SendPolicy(timeout=5, backoff_seconds=60, max_attempts=4)


@pytest.fixture
def sessions(app):
    return app.extensions["uptake"].sessions


@pytest.fixture
def world(make_site, make_employee):
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001")
    make_employee("E002", "S002")


def sub(session, event=QUARANTINE_GROWING, channel="https://hooks.example.com/x", **kw):
    made = subscribe(session, event=event, channel=channel, now=NOW, actor="test", **kw)
    session.commit()
    return made


def owed(session) -> list[NotificationDelivery]:
    session.commit()  # a new snapshot: the sender wrote on sessions of its own
    session.expire_all()
    return list(session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)))


def attempts(session, delivery_id) -> list[tuple]:
    rows = session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.delivery_id == delivery_id)
        .order_by(NotificationAttempt.id)
    )
    return [(a.ok, a.status_code) for a in rows]


# --- channels and subscriptions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "kind"),
    [
        ("mailto:hr@example.com", channels.EMAIL),
        ("mailto:a@example.com,b@example.org", channels.EMAIL),
        ("https://hooks.example.com/uptake", channels.WEBHOOK),
        ("http://127.0.0.1:8080/x", channels.WEBHOOK),
        ("slack://TokenA/TokenB/TokenC/#rollout", channels.APPRISE),
        ("dingtalk://token1234", channels.APPRISE),
        ("workflows://prod-12.westeurope.logic.azure.com/8f0c2b1d/Xy1AbCdEf", channels.APPRISE),
        ("feishu://token1234", channels.APPRISE),
        ("lark://token1234", channels.APPRISE),
        ("wecombot://botkey1234", channels.APPRISE),
    ],
)
def test_channel_kinds(channel, kind):
    assert channels.kind_of(channel) == kind


@pytest.mark.parametrize(
    "channel",
    ["", "hr@example.com", "mailto:", "mailto:nobody", "bogus://x", "https://", "ftp://x"],
)
def test_a_channel_no_sender_speaks_is_refused_naming_channel(channel):
    with pytest.raises(Invalid) as caught:
        channels.kind_of(channel)
    assert list(caught.value.details) == ["channel"]


def test_channels_are_shown_without_their_credentials():
    assert channels.redact("https://u:p@hooks.example.com:8443/t/abc?k=1") == (
        "https://hooks.example.com:8443/…"
    )
    assert channels.redact("mailto:ann@example.com") == "mailto:…@example.com"
    assert channels.redact("slack://TokenA/TokenB/TokenC") == "slack://…"


def test_subscribe_checks_each_field(session, world):
    cases = [
        ({"event": "month.opened"}, "event"),
        ({"channel": "nope"}, "channel"),
        ({"channel": "mailto:hr@example.com", "secret": SECRET}, "secret"),
        ({"site": "S999"}, "site_id"),
        ({"role": "ingest"}, "role"),
        ({"event": PERSON_BADGE}, "user_id"),  # a person's own, never the chain's
        ({"user": "E001"}, "event"),  # quarantine.growing is nobody's own
        ({"event": MONTH_CLOSED, "user": "E404"}, "user_id"),
        ({"event": MONTH_CLOSED, "user": "E001", "site": "S001"}, "user_id"),
    ]
    for values, field in cases:
        args = {"event": QUARANTINE_GROWING, "channel": "https://h.example.com/x", **values}
        with pytest.raises(Invalid) as caught:
            subscribe(session, now=NOW, actor="t", **args)
        assert list(caught.value.details) == [field], values


def test_a_subscription_is_described_without_its_secret(session, world):
    made = sub(session, channel="https://user:pw@h.example.com/x?token=1", secret=SECRET)
    shown = describe(session, made)
    assert shown["channel"] == "https://h.example.com/…" and shown["signed"] is True
    assert SECRET not in json.dumps(shown, default=str)
    assert "pw" not in json.dumps(shown, default=str)


# --- the outbox ------------------------------------------------------------------------------


def test_emit_owes_each_matching_subscription_once_per_key(session, world):
    chain = sub(session, MONTH_CLOSED, role="hr")
    s1 = sub(session, MONTH_CLOSED, site="S001", role="manager")
    s2 = sub(session, MONTH_CLOSED, site="S002", role="manager")
    ann = sub(session, MONTH_CLOSED, user="E001")
    sub(session, MONTH_CLOSED, user="E002")
    e001 = ann.employee_id
    champions = [
        {"site_id": "S001", "user_id": "E001", "display_name": "Ann", "points": 40},
        {"site_id": "S002", "user_id": None},
    ]
    payload = {"month": "2026-10", "version": 1, "closed_by": "hr", "champions": champions}
    parts = {
        "sites": {s1.site_id: {"champions": champions[:1]}},
        "people": {e001: {"champions": champions[:1]}},
    }
    assert emit(session, MONTH_CLOSED, "m:2026-10/v1", payload, now=NOW, **parts) == 4
    assert emit(session, MONTH_CLOSED, "m:2026-10/v1", payload, now=NOW, **parts) == 0
    session.commit()
    rows = {d.subscription_id: d for d in owed(session)}
    assert set(rows) == {chain.id, s1.id, s2.id, ann.id}
    assert "S002: no champion" in rows[chain.id].body
    assert "S002" not in rows[s1.id].body and "Ann (40 points)" in rows[s1.id].body
    # S002 named no champion (not in `sites`): its managers are told so, and of no other store.
    none = rows[s2.id]
    assert none.subject == "Uptake: 2026-10 closed, no champion at S002"
    assert "closed (version 1) by hr" in none.body
    assert "No champion was named at store S002" in none.body
    assert "S001" not in none.body and "Ann" not in none.body
    assert none.payload["champions"] == [] and none.payload["no_champion_at"] == "S002"
    assert rows[ann.id].subject == "Uptake: 2026-10 closed, champions named"
    assert all(d.status == "pending" and d.next_attempt_at == NOW for d in rows.values())


def test_a_rolled_back_transaction_owes_nothing(session, world):
    sub(session)
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.rollback()
    assert owed(session) == []


def test_a_removed_subscription_is_owed_nothing_and_its_pending_messages_are_dropped(
    session, world
):
    made = sub(session)
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    remove(session, made.id, now=NOW, actor="t")
    emit(session, QUARANTINE_GROWING, "q:200", {"open": 220, "threshold": 200}, now=NOW)
    session.commit()
    [dropped] = owed(session)
    assert (dropped.status, dropped.last_error) == ("failed", "subscription removed")


# --- the sender --------------------------------------------------------------------------------


def test_a_webhook_is_signed_and_delivered_once(session, sessions, world):
    with http_receiver() as receiver:
        made = sub(session, channel=receiver.url, secret=SECRET)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        assert deliver_due(sessions, NOW, POLICY)["delivered"] == 1
        assert deliver_due(sessions, NOW + timedelta(hours=1), POLICY)["claimed"] == 0
    [request] = receiver.requests
    [delivery] = owed(session)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-uptake-event"] == QUARANTINE_GROWING
    assert headers["x-uptake-delivery"] == str(delivery.id)
    stamp = headers["x-uptake-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256)
    assert headers["x-uptake-signature"] == "sha256=" + expected.hexdigest()
    body = json.loads(request.body)
    assert body["event"] == QUARANTINE_GROWING and body["data"] == {"open": 120, "threshold": 100}
    assert body["subject"] == "Uptake: 120 events in quarantine"
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("delivered", 1, NOW)
    assert attempts(session, delivery.id) == [(True, 200)]
    assert made.id == delivery.subscription_id


def test_a_receiver_failing_twice_gets_one_delivery_after_backed_off_retries(
    session, sessions, world
):
    with http_receiver([500, 500]) as receiver:
        sub(session, channel=receiver.url, secret=SECRET)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        first = deliver_due(sessions, NOW, POLICY)
        assert first == {"claimed": 1, "delivered": 0, "retrying": 1, "failed": 0, "dropped": 0}
        [delivery] = owed(session)
        assert delivery.next_attempt_at == NOW + timedelta(minutes=1)
        # Not due before its back-off: nothing is sent.
        assert deliver_due(sessions, NOW + timedelta(seconds=30), POLICY)["claimed"] == 0
        second = NOW + timedelta(minutes=1)
        assert deliver_due(sessions, second, POLICY)["retrying"] == 1
        [delivery] = owed(session)
        assert delivery.next_attempt_at == second + timedelta(minutes=5)
        third = second + timedelta(minutes=5)
        assert deliver_due(sessions, third, POLICY)["delivered"] == 1
        assert deliver_due(sessions, third + timedelta(days=1), POLICY)["claimed"] == 0
    assert len(receiver.requests) == 3
    ids = {r.headers["X-Uptake-Delivery"] for r in receiver.requests}
    [delivery] = owed(session)
    assert ids == {str(delivery.id)}  # the receiver can tell the retries are one message
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, None)
    assert attempts(session, delivery.id) == [(False, 500), (False, 500), (True, 200)]
    [logged] = list_deliveries(session)
    assert [t["status_code"] for t in logged["tries"]] == [500, 500, 200]
    assert "HTTP 500" in logged["tries"][0]["error"]


def test_a_delivery_fails_after_the_last_attempt(session, sessions, world):
    policy = SendPolicy(timeout=2, backoff_seconds=0, max_attempts=2)
    with http_receiver([503, 503, 503]) as receiver:
        sub(session, channel=receiver.url)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        assert deliver_due(sessions, NOW, policy)["retrying"] == 1
        assert deliver_due(sessions, NOW, policy)["failed"] == 1
        assert deliver_due(sessions, NOW, policy)["claimed"] == 0
    [delivery] = owed(session)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert "X-Uptake-Signature" not in receiver.requests[0].headers  # no secret, no signature


def test_an_unreachable_channel_is_a_failed_attempt_not_an_error(session, sessions, world):
    sub(session, channel="http://127.0.0.1:9/nothing-listens")
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.commit()
    assert deliver_due(sessions, NOW, POLICY)["retrying"] == 1
    [delivery] = owed(session)
    assert attempts(session, delivery.id) == [(False, None)]
    assert delivery.last_error


def test_an_email_goes_through_a_real_smtp_server(session, sessions, world):
    with smtp_server() as (inbox, url):
        policy = SendPolicy(mailer=Mailer(url, "uptake@chain.example"), timeout=5)
        sub(session, channel="mailto:it@chain.example,ops@chain.example", role="admin")
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        assert deliver_due(sessions, NOW, policy)["delivered"] == 1
    [envelope] = inbox.messages
    assert sorted(envelope.rcpt_tos) == ["it@chain.example", "ops@chain.example"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Uptake: 120 events in quarantine"
    assert "uptake@chain.example" in message["From"]
    assert "past the alert threshold of 100" in message.get_payload()
    [delivery] = owed(session)
    assert message["X-Uptake-Delivery"] == str(delivery.id)
    assert attempts(session, delivery.id) == [(True, 250)]


def test_an_email_without_an_smtp_server_configured_is_a_failed_attempt(session, sessions, world):
    sub(session, channel="mailto:it@chain.example")
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.commit()
    deliver_due(sessions, NOW, POLICY)
    [delivery] = owed(session)
    assert "UPTAKE_SMTP_URL" in delivery.last_error


def test_a_test_message_reports_what_the_channel_said(session, world):
    with http_receiver([500]) as receiver:
        made = sub(session, channel=receiver.url, secret=SECRET)
        failed = send_test(made, POLICY)
        ok = send_test(made, POLICY)
    assert (failed.ok, failed.status_code, ok.ok) == (False, 500, True)
    assert receiver.requests[1].headers["X-Uptake-Delivery"] == "test"
    assert owed(session) == []


def test_backoff_grows_then_stays():
    waits = [backoff(n, 60) for n in range(1, 8)]
    assert waits[:5] == [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]
    assert waits[5] == waits[6] == timedelta(hours=12)
    assert backoff(3, 0) == timedelta(0)


def test_a_chat_channel_goes_through_apprise(session, sessions, world):
    # apprise's json:// posts {"title", "message", …}: the same path as slack:// or feishu://.
    with http_receiver([500]) as receiver:
        url = receiver.url.replace("http://", "json://")
        sub(session, channel=url)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        policy = SendPolicy(timeout=5, backoff_seconds=0)
        assert deliver_due(sessions, NOW, policy)["retrying"] == 1
        assert deliver_due(sessions, NOW, policy)["delivered"] == 1
    sent = json.loads(receiver.requests[-1].body)
    assert sent["title"] == "Uptake: 120 events in quarantine"
    assert "past the alert threshold of 100" in sent["message"]
    [delivery] = owed(session)
    assert attempts(session, delivery.id) == [(False, None), (True, None)]


# --- deadlines, leases and what a round no longer holds -----------------------------------


def test_a_channel_answering_a_byte_at_a_time_times_out_as_a_whole(session, sessions, world):
    policy = SendPolicy(timeout=1, backoff_seconds=60, max_attempts=4)
    with slow_receiver(interval=0.2) as url:
        sub(session, channel=url)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        started = time.monotonic()
        assert deliver_due(sessions, NOW, policy)["retrying"] == 1
        assert time.monotonic() - started < 1 + sender.DEADLINE_MARGIN + 1.5
    [delivery] = owed(session)
    assert delivery.last_error == "timed out after 1s"
    assert delivery.next_attempt_at == NOW + timedelta(minutes=1)
    assert attempts(session, delivery.id) == [(False, None)]


def test_the_lease_outlasts_every_claimed_send_at_its_deadline(session, sessions, world):
    sub(session)
    for n in range(3):
        emit(session, QUARANTINE_GROWING, f"q:{n}", {"open": n, "threshold": 0}, now=NOW)
    session.commit()
    policy = SendPolicy(timeout=30)
    claims = claim_due(sessions, NOW, 10, policy)
    lease = NOW + timedelta(seconds=3 * (30 + sender.DEADLINE_MARGIN) + 60)
    assert lease_for(policy, 3) == lease - NOW
    assert {c.lease for c in claims} == {lease}
    assert {d.next_attempt_at for d in owed(session)} == {lease}


def test_a_delivery_claimed_again_after_its_lease_is_recorded_by_its_new_holder_only(
    session, sessions, world
):
    sub(session)
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.commit()
    [first] = claim_due(sessions, NOW, 10, POLICY)
    later = first.lease + timedelta(seconds=1)  # the first round outlived its lease
    [second] = claim_due(sessions, later, 10, POLICY)
    ok = Sent(True, 200)
    assert record_attempt(sessions, first.delivery_id, ok, 5, NOW, POLICY, lease=first.lease) == (
        "dropped"
    )
    [delivery] = owed(session)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "pending",
        0,
        second.lease,
    )
    assert record_attempt(
        sessions, second.delivery_id, ok, 5, later, POLICY, lease=second.lease
    ) == ("delivered")
    [delivery] = owed(session)
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert attempts(session, delivery.id) == [(True, 200), (True, 200)]


def test_a_subscription_removed_while_its_message_is_sent_stays_removed(
    session, sessions, world, monkeypatch
):
    made = sub(session)
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.commit()

    def send_while_removed(*args, **kwargs):
        with sessions() as other:
            remove(other, made.id, now=NOW, actor="t")
            other.commit()
        return Sent(True, 200)

    monkeypatch.setattr(sender, "send", send_while_removed)
    counts = deliver_due(sessions, NOW, POLICY)
    assert (counts["claimed"], counts["delivered"], counts["dropped"]) == (1, 0, 1)
    [delivery] = owed(session)
    assert (delivery.status, delivery.last_error) == ("failed", "subscription removed")
    assert (delivery.attempts, delivery.next_attempt_at) == (0, None)
    assert attempts(session, delivery.id) == [(True, 200)]  # the try is in its log


def test_a_delivery_erased_while_it_is_sent_is_not_an_error(session, sessions, world, monkeypatch):
    sub(session)
    emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
    session.commit()

    def send_while_erased(*args, **kwargs):
        with sessions() as other:
            other.execute(delete(NotificationDelivery))
            other.commit()
        return Sent(True, 200)

    monkeypatch.setattr(sender, "send", send_while_erased)
    counts = deliver_due(sessions, NOW, POLICY)
    assert (counts["claimed"], counts["dropped"]) == (1, 1)
    assert owed(session) == []
    assert session.scalars(select(NotificationAttempt)).all() == []


# --- what a channel answers ------------------------------------------------------------------


def test_a_redirect_is_a_failed_attempt_not_followed(session, sessions, world):
    with http_receiver([302]) as receiver:
        sub(session, channel=receiver.url, secret=SECRET)
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        assert deliver_due(sessions, NOW, POLICY)["retrying"] == 1
    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hooks/uptake")]
    [delivery] = owed(session)
    assert attempts(session, delivery.id) == [(False, 302)]
    assert "HTTP 302" in delivery.last_error and "redirects are not followed" in delivery.last_error


def _mail_rounds(session, sessions, channel: str, *later: datetime):
    """An e-mail owed to `channel` with gone@chain.example refused by the server; a round at
    NOW and one at each `later`: the inbox and each round's counts."""
    with smtp_server(refuse={"gone@chain.example"}) as (inbox, url):
        policy = SendPolicy(mailer=Mailer(url, "uptake@chain.example"), timeout=5)
        sub(session, channel=channel, role="admin")
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        return inbox, [deliver_due(sessions, at, policy) for at in (NOW, *later)]


def test_an_email_refused_for_some_recipients_is_delivered_to_the_others(session, sessions, world):
    channel = "mailto:it@chain.example,gone@chain.example"
    inbox, rounds = _mail_rounds(session, sessions, channel, NOW + timedelta(days=1))
    assert rounds[0]["delivered"] == 1 and rounds[1]["claimed"] == 0
    [envelope] = inbox.messages  # sent once: no retry re-sends to who took it
    assert envelope.rcpt_tos == ["it@chain.example"]
    [delivery] = owed(session)
    assert (delivery.status, delivery.last_error) == ("delivered", None)
    [tried] = session.scalars(select(NotificationAttempt)).all()
    assert (tried.ok, tried.status_code) == (True, 250)
    assert tried.error == "Refused recipients: gone@chain.example (550)"


def test_an_email_refused_for_every_recipient_is_a_failed_attempt(session, sessions, world):
    inbox, [first] = _mail_rounds(session, sessions, "mailto:gone@chain.example")
    assert first["retrying"] == 1
    assert inbox.messages == []
    [delivery] = owed(session)
    assert "SMTPRecipientsRefused" in delivery.last_error
