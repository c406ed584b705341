"""`uptake report coaching|progress|team`: the API's JSON with --format json, a table otherwise.

The team is tests/web/team.py (NOW Fri 2026-11-20 12:00 UTC).
"""

from __future__ import annotations

import json

import pytest

from api.cli.main import main
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.team import build_team


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    for module in ("api.cli.report", "api.http.adoption", "api.http.leaderboards"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)


@pytest.fixture
def team(session, client, make_token):
    build_team(session)
    headers = make_token("hr", name="hr-t")

    def api(path: str) -> dict:
        response = client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    return api


def run(runner, *args: str):
    result = runner.invoke(main, ["report", *args])
    return result


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (["coaching", "--site", "S1"], "/sites/S1/coaching"),
        (["progress", "--user", "C"], "/employees/C/progress"),
        (["team", "--site", "S1"], "/sites/S1/team"),
        (
            ["team", "--site", "S1", "--period", "all", "--metric", "proficiency"],
            "/sites/S1/team?period=all&metric=proficiency",
        ),
    ],
)
def test_json_output_is_the_apis_json(team, runner, args, path):
    result = run(runner, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == team(path)  # hr's view: opted-out people by name


def test_coaching_table(team, runner):
    result = run(runner, "coaching", "--site", "S1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "S1 as of 2026-11-19 (window 2026-10-23..2026-11-19)"
    assert any(line.split()[:4] == ["D", "Person", "D", "2026-10-29"] for line in lines)
    assert any(line.split()[:5] == ["C", "Person", "C", "0.3000", "8"] for line in lines)


def test_progress_table(team, runner):
    result = run(runner, "progress", "--user", "C")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "C Person C (S1): 22.50 Novice as of 2026-11-19"
    assert lines[1] == "Next level: Developing at 40: 17.50 more points"
    assert ["pos.sale", "2", "6", "0", "6"] in [line.split() for line in lines]


def test_team_table(team, runner):
    result = run(runner, "team", "--site", "S1", "--period", "last-week")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "S1 Last week (2026-W46) up to 2026-11-15, points"
    assert lines[2].split()[:5] == ["1", "Person", "B", "B", "6"]


def test_unknown_site_is_one_line_and_exit_1(team, runner):
    result = run(runner, "coaching", "--site", "S9")
    assert result.exit_code == 1
    assert "No site 'S9'" in result.output
