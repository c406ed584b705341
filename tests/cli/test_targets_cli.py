"""`uptake targets add|list|show|remove`: the API's JSON for the same request, tables and CSV for
people, readable errors and exit codes (the chain: tests.pilots.targets_world)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from api.cli.context import operator_name
from api.cli.main import main
from tests.adoption.scoring.test_proficiency import NOW
from tests.pilots.targets_world import build

ADD = ["targets", "add", "--name", "Adoption 80% by week 3", "--metric", "adoption_rate",
       "--threshold", "0.8", "--by-week", "3"]  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.targets.utcnow", lambda: NOW)


@pytest.fixture
def chain(session):
    return build(session)


def invoke(runner, *args):
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_add_prints_the_apis_json_and_is_audited_as_the_operator(chain, runner, session):
    data = json.loads(invoke(runner, *ADD, "--population", "pilots"))
    assert (data["population"], data["comparison"], data["threshold"]) == ("pilots", ">=", 0.8)
    assert data["created_by"] == f"cli:{operator_name()}"
    actions = session.scalars(select(AuditLog.action).where(AuditLog.target_type == "target"))
    assert list(actions) == ["target.add"]


def test_wave_region_percent_date_and_the_error_rates_comparison_are_read(chain, runner):
    data = json.loads(invoke(runner, *ADD[:-2], "--wave", "1", "--by", "2027-03-01"))
    assert (data["population"], data["population_value"]) == ("wave", "1")
    assert (data["deadline_on"], data["deadline_week"]) == ("2027-03-01", None)
    args = ["targets", "add", "--name", "Few errors", "--metric", "error_rate"]
    data = json.loads(
        invoke(runner, *args, "--region", "North", "--threshold", "5%", "--by-week", "4")
    )
    assert (data["population"], data["comparison"], data["threshold"]) == ("region", "<=", 0.05)


def test_list_and_show_give_status_value_and_progress_per_site(chain, runner):
    target_id = json.loads(invoke(runner, *ADD))["id"]
    listed = invoke(runner, "targets", "list")
    assert "on_track" in listed and "83.3 %" in listed  # (0.75 × 4 + 1 × 2) ÷ 6
    shown = invoke(runner, "targets", "show", str(target_id))
    assert "overall: on_track (83.3 %)" in shown
    assert "aligned curve" in shown
    assert "without go-live: D" in shown
    rows = list(csv.DictReader(io.StringIO(invoke(runner, "targets", "show", str(target_id),
                                                  "--format", "csv"))))  # fmt: skip
    assert {r["site_id"]: r["status"] for r in rows} == {
        "A": "missed",
        "B": "on_track",
        "C": "no_data",
    }
    data = json.loads(invoke(runner, "targets", "show", str(target_id), "--format", "json"))
    assert data["progress"]["status"] == "on_track"


def test_remove_deletes_and_an_unknown_id_exits_1(chain, runner):
    target_id = json.loads(invoke(runner, *ADD))["id"]
    result = runner.invoke(main, ["targets", "remove", str(target_id)])
    assert (result.exit_code, "removed" in result.output) == (0, True)
    result = runner.invoke(main, ["targets", "show", str(target_id)])
    assert result.exit_code == 1
    assert "error: No target" in result.output


def test_a_bad_target_exits_2_naming_the_field(chain, runner):
    result = runner.invoke(main, [*ADD[:-4], "--threshold", "80", "--by-week", "3"])
    assert result.exit_code == 2
    assert "threshold: Must be between 0 and 1" in result.output


def test_both_or_no_deadline_is_a_usage_error(chain, runner):
    result = runner.invoke(main, [*ADD, "--by", "2027-03-01"])
    assert result.exit_code == 2
    assert "exactly one of --by-week and --by" in result.output
