"""`uptake demo`: seeds the simulated chain through the domain's bulk path; a second run adds
nothing."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from adoption.identity.models import Account, ApiToken
from adoption.models import Employee, Event, Quarantine, Site
from api.cli.main import main


def count(session, model) -> int:
    session.rollback()  # end the read transaction so the next count sees the CLI's commits
    return session.scalar(select(func.count()).select_from(model))


def test_demo_command_seeds_the_chain_and_a_second_run_adds_nothing(runner, session):
    first = runner.invoke(main, ["demo", "--sites", "6", "--weeks", "3"])
    assert first.exit_code == 0, first.output
    events, quarantined = count(session, Event), count(session, Quarantine)
    summary = json.loads(next(line for line in first.output.splitlines() if line[:1] == "{"))
    assert summary["accepted"] == events > 1000
    assert count(session, Site) == 6 and count(session, Employee) >= 60
    assert quarantined > 0 and count(session, Account) == 5 and count(session, ApiToken) == 1
    assert "login as rollout_lead: rollout / demo-rollout" in first.output

    second = runner.invoke(main, ["demo", "--sites", "6", "--weeks", "3"])
    assert second.exit_code == 0, second.output
    assert json.loads(next(x for x in second.output.splitlines() if x[:1] == "{"))["accepted"] == 0
    assert "created 0, updated 0" in second.output
    assert count(session, Event) == events and count(session, Quarantine) == quarantined
    assert count(session, Account) == 5 and count(session, ApiToken) == 1
