"""`uptake champions show` (the JSON of GET /champions/{month}) and `uptake pilots hotspots`
(the hot spots of the /pilots page). NOW is 2026-11-20 12:00 UTC."""

from __future__ import annotations

import json

import pytest

from api.cli.main import main
from tests.adoption.usage.test_hotspots import chain  # noqa: F401  (the fixture)
from tests.rewards.month_world import CLOSE_AT, OCT, Month, utc


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.cli.pilots.utcnow", lambda: CLOSE_AT)
    monkeypatch.setattr("api.http.champions.utcnow", lambda: CLOSE_AT)
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: CLOSE_AT)


@pytest.fixture
def month(session) -> Month:
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1").person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


def run(runner, *args: str):
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_champions_show_json_is_the_apis_json(runner, client, make_token, month):
    api = client.get(f"/api/v1/champions/{OCT}", headers=make_token("hr", name="hr")).json
    cli = json.loads(run(runner, "champions", "show", OCT, "--format", "json"))
    assert cli == api
    assert (cli["can_close"], cli["running_sites"]) == (True, [])


def test_champions_show_table_says_whether_it_can_close(runner, month):
    text = run(runner, "champions", "show", "2026-11", "--format", "table")
    assert text.splitlines()[:2] == [
        "2026-11 version 1: draft",
        "can close: no, still running at S1, S2",
    ]
    assert "S1" in text and "S2" in text


def test_champions_show_an_unknown_version_is_an_error_line(runner, month):
    result = runner.invoke(main, ["champions", "show", OCT, "--version", "2"])
    assert result.exit_code == 1  # not found
    assert "No version 2 of 2026-10." in result.stderr


def test_champions_show_a_malformed_month_names_month(runner, month):
    result = runner.invoke(main, ["champions", "show", "2026-13"])
    assert result.exit_code == 2
    assert "month: Use YYYY-MM, e.g. 2026-11." in result.stderr


def test_pilots_hotspots_json_is_the_apis_json(runner, client, make_token, chain):  # noqa: F811
    api = client.get("/api/v1/pilots/hotspots", headers=make_token("rollout_lead", name="l")).json
    cli = json.loads(run(runner, "pilots", "hotspots", "--format", "json"))
    assert cli == api
    assert [h["action"] for h in cli["items"]] == ["pos.sale", "pos.refund"]


def test_pilots_hotspots_table(runner, chain):  # noqa: F811
    lines = run(runner, "pilots", "hotspots", "--format", "table").splitlines()
    assert lines[0] == (
        "error hot spots, all sites, 2026-10-23 to 2026-11-19 (features with at least 20 attempts)"
    )
    assert lines[1].split() == ["pos.sale", "20", "attempts", "4", "errors", "20.0%"]
    assert lines[2].split() == ["pos.refund", "25", "attempts", "4", "errors", "16.0%"]
