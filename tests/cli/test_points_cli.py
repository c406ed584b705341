"""`uptake points award|list|config show|config set`: the same calls and JSON as the API.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC): A made 2 sales on 11-17 at S1.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from api.cli.context import operator_name
from api.cli.main import main
from rewards.models import PointsLedger
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team


@pytest.fixture
def team(session, monkeypatch):
    monkeypatch.setattr("api.cli.points.utcnow", lambda: NOW)
    build_team(session)
    return session


def test_award_prints_the_ledger_row_and_is_audited_as_the_cli(team, runner):
    args = ["points", "award", "a", "--points", "12", "--reason", "Covered a shift"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    operator = f"cli:{operator_name()}"
    assert (row["points"], row["rule"], row["given_by"], row["local_day"]) == (
        12,
        "award",
        operator,
        "2026-11-20",
    )
    team.rollback()
    audit = team.scalars(select(AuditLog).where(AuditLog.action == "points.award")).one()
    assert audit.actor == operator


def test_award_over_the_cap_exits_2_naming_points(team, runner):
    runner.invoke(main, ["points", "award", "A", "--points", "100", "--reason", "Hero"])
    result = runner.invoke(main, ["points", "award", "A", "--points", "-1", "--reason", "Oops"])
    assert result.exit_code == 2
    assert "points: Over the monthly award cap of 100" in result.stderr
    assert "0 left" in result.stderr
    team.rollback()
    assert len(team.scalars(select(PointsLedger).where(PointsLedger.rule == "award")).all()) == 1


def test_list_is_the_apis_statement(team, runner):
    runner.invoke(main, ["points", "award", "A", "--points", "5", "--reason", "Nice work"])
    result = runner.invoke(main, ["points", "list", "A", "--from", "2026-11-01"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["total"], [r["rule"] for r in body["rows"]]) == (9, ["feature_points", "award"])
    table = runner.invoke(main, ["points", "list", "A", "--format", "table"])
    assert "A at S1, 2026-11-01 to 2026-11-20: 9 points" in table.stdout
    assert "Nice work" in table.stdout


def test_list_refuses_a_window_over_366_days(team, runner):
    args = ["points", "list", "A", "--from", "2025-01-01", "--to", "2026-01-02"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "to: A window may span at most 366 days" in result.stderr


def test_config_set_makes_a_new_version_and_show_lists_them(team, runner):
    result = runner.invoke(
        main, ["points", "config", "set", "void_window_hours=48", "colleague_kudos=true"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (created["version"], created["void_window_hours"], created["colleague_kudos"]) == (
        2,
        48,
        True,
    )
    shown = json.loads(runner.invoke(main, ["points", "config", "show"]).stdout)
    assert [v["version"] for v in shown] == [1, 2]
    table = runner.invoke(main, ["points", "config", "show", "--format", "table"]).stdout
    assert table.splitlines()[0].split()[:3] == [
        "version",
        "void_window_hours",
        "award_cap_per_month",
    ]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("nonsense", "use KEY=VALUE"),
        ("void_window_hours=soon", "void_window_hours is a whole number"),
        ("display_names=yes", "display_names is true or false"),
    ],
)
def test_config_set_refuses_what_it_cannot_read(team, runner, change, says):
    result = runner.invoke(main, ["points", "config", "set", change])
    assert result.exit_code == 2 and says in result.output


def test_config_set_out_of_range_exits_2_naming_the_field(team, runner):
    result = runner.invoke(main, ["points", "config", "set", "rookie_days=0"])
    assert result.exit_code == 2 and "rookie_days: Must be between 1 and 365." in result.stderr
