"""`uptake kudos give|list`: the same calls and JSON as the API (NOW Fri 2026-11-20 12:00 UTC;
the team of tests/web/team.py)."""

from __future__ import annotations

import json

import pytest

from api.cli.main import main
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team


@pytest.fixture
def team(session, monkeypatch):
    monkeypatch.setattr("api.cli.kudos.utcnow", lambda: NOW)
    build_team(session)
    return session


def test_give_prints_the_kudos_and_list_reads_it_back(team, runner):
    args = ["kudos", "give", "B", "--message", "Helped E012 with returns", "--from", "Dana"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in json.loads(result.stdout).items() if k != "id"} == {
        "day": "2026-11-20",
        "message": "Helped E012 with returns",
        "from": "Dana",
        "colleague": False,
        "points": 0,
    }
    listed = runner.invoke(main, ["kudos", "list", "B", "--format", "json"])
    assert [k["message"] for k in json.loads(listed.stdout)] == ["Helped E012 with returns"]
    table = runner.invoke(main, ["kudos", "list", "B"])
    assert "Dana" in table.stdout and "Helped E012 with returns" in table.stdout


def test_the_same_giver_twice_a_day_exits_with_the_conflict(team, runner):
    runner.invoke(main, ["kudos", "give", "B", "--message", "Thanks for the help"])
    again = runner.invoke(main, ["kudos", "give", "B", "--message", "Thanks again"])
    assert again.exit_code != 0
    assert "already thanked" in again.output
