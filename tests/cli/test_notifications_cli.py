"""`uptake notifications …`: the subscriptions and the log as the API has them, delivery now."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from adoption.notify.events import QUARANTINE_GROWING
from adoption.notify.outbox import emit
from api.cli.main import main
from tests.adoption.notify.receivers import http_receiver
from tests.adoption.scoring.test_proficiency import NOW

SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture
def world(make_site, make_employee, monkeypatch):
    monkeypatch.setattr("api.cli.notifications.utcnow", lambda: NOW)
    monkeypatch.setenv("UPTAKE_NOTIFY_BACKOFF_SECONDS", "0")
    make_site("S001")
    make_employee("E001", "S001")


def run(runner, *args):
    return runner.invoke(main, ["notifications", *args])


def test_subscribe_list_test_deliver_and_read_the_log(world, runner, session):
    with http_receiver([500]) as receiver:
        made = run(
            runner,
            "subscribe",
            "--event",
            QUARANTINE_GROWING,
            "--channel",
            receiver.url,
            "--role",
            "admin",
            "--secret",
            SECRET,
        )
        assert made.exit_code == 0, made.output
        sub = json.loads(made.stdout)
        assert sub["signed"] is True and sub["channel"].endswith("/…")
        assert sub["created_by"].startswith("cli:")
        listed = run(runner, "list", "--format", "json")
        assert [s["id"] for s in json.loads(listed.stdout)] == [sub["id"]]
        assert SECRET not in run(runner, "list").stdout
        assert "quarantine.growing" in run(runner, "list", "--format", "csv").stdout
        failed = run(runner, "test", str(sub["id"]))
        assert failed.exit_code == 1 and json.loads(failed.stdout)["status_code"] == 500
        assert json.loads(run(runner, "test", str(sub["id"])).stdout)["ok"] is True
        emit(session, QUARANTINE_GROWING, "q:100", {"open": 120, "threshold": 100}, now=NOW)
        session.commit()
        receiver.statuses = [500]
        first = run(runner, "deliver")
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["retrying"] == 1
        assert json.loads(run(runner, "deliver").stdout)["delivered"] == 1
    log = json.loads(run(runner, "deliveries", "--format", "json").stdout)
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 2)]
    assert [t["status_code"] for t in log[0]["tries"]] == [500, 200]
    assert "delivered" in run(runner, "deliveries", "--status", "delivered").stdout
    removed = run(runner, "remove", str(sub["id"]))
    assert removed.exit_code == 0 and json.loads(removed.stdout)["removed_at"]
    session.commit()
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert [a for a in actions if a.startswith("notification.")] == [
        "notification.subscribe",
        "notification.remove",
    ]


def test_refusals_and_usage_errors(world, runner):
    bad = run(runner, "subscribe", "--event", "month.closed", "--channel", "nope://x")
    assert bad.exit_code != 0 and "channel" in bad.output
    assert run(runner, "subscribe", "--event", "month.later", "--channel", "x").exit_code == 2
    assert run(runner, "remove", "42").exit_code == 1
    assert run(runner, "test", "42").exit_code == 1
    assert run(runner, "remove", "zero").exit_code == 2
    short = run(
        runner,
        "subscribe",
        "--event",
        QUARANTINE_GROWING,
        "--channel",
        "https://h.example.com/x",
        "--secret",
        "short",
    )
    assert short.exit_code == 2
