"""`uptake pilots readiness` (the JSON of GET /pilots/readiness, or a table), `uptake pilots rules`
and `uptake pilots did` on a panel file (sites and rules: tests.pilots.readiness_world; panels:
tests.pilots.did_world).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli.main import main
from api.schemas.did import DidSchema
from pilots.did.estimator import staggered_did
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.pilots.did_world import COLUMNS, staggered_panel
from tests.pilots.readiness_world import add_rule, live_site, scenario


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    monkeypatch.setattr("api.cli.pilots.utcnow", lambda: NOW)


@pytest.fixture
def scn(session) -> Scenario:
    return scenario(session)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


# ---- uptake pilots readiness, uptake pilots rules ---------------------------------------------


def test_cli_readiness_prints_the_apis_json(scn, session, client, lead, runner):
    live_site(scn, "P1", {"A": [3, 10], "B": [4]}, is_pilot=True)
    add_rule(session)
    add_rule(session, metric="stickiness", threshold=0.1, weeks=1)
    result = runner.invoke(main, ["pilots", "readiness", "--wave", "2"])
    assert result.exit_code == 0, result.output
    api = client.get("/api/v1/pilots/readiness?wave=2", headers=lead).json
    assert json.loads(result.stdout) == api


def test_cli_readiness_table_names_the_decision_and_failing_week(scn, session, runner):
    live_site(scn, "P1", {"A": [3, 10], "B": [4]}, is_pilot=True)
    add_rule(session)
    result = runner.invoke(main, ["pilots", "readiness", "--wave", "2", "--format", "table"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wave 2: NO_GO")
    assert "P1         week 1   0.5000  FAIL" in result.stdout


def test_cli_rules_add_list_remove(session, runner):
    added = runner.invoke(
        main, ["pilots", "rules", "add", "--metric", "error_rate", "--max", "0.05", "--weeks", "2"]
    )
    assert added.exit_code == 0, added.output
    rules = json.loads(runner.invoke(main, ["pilots", "rules", "list"]).stdout)
    assert [(r["metric"], r["comparison"], r["threshold"], r["scope"]) for r in rules] == [
        ("error_rate", "<=", 0.05, "pilots")
    ]
    removed = runner.invoke(main, ["pilots", "rules", "remove", str(rules[0]["id"])])
    assert removed.exit_code == 0, removed.output
    assert json.loads(runner.invoke(main, ["pilots", "rules", "list"]).stdout) == []


def test_cli_rules_add_needs_exactly_one_bound(runner):
    result = runner.invoke(
        main, ["pilots", "rules", "add", "--metric", "stickiness", "--weeks", "1"]
    )
    assert result.exit_code == 2
    assert "exactly one of --min and --max" in result.stderr


# ---- uptake pilots did ----------------------------------------------------------------------

CLI_COLUMNS = ["--unit", "store", "--time", "period", "--group", "first_treated", "--outcome"]


def run_cli(path: Path, *extra: str):
    # No database: a URL nobody serves proves the command never opens one.
    env = {"UPTAKE_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    args = ["pilots", "did", "--panel", str(path), *CLI_COLUMNS, "kpi", *extra]
    return CliRunner().invoke(main, args, env=env)


def kpi_file(tmp_path: Path, suffix: str) -> Path:
    panel = staggered_panel(n=60).rename(
        columns={"unit": "store", "time": "period", "group": "first_treated", "outcome": "kpi"}
    )
    panel["first_treated"] = panel["first_treated"].astype(float).replace(0, np.nan)  # empty
    path = tmp_path / f"kpi{suffix}"
    panel.to_csv(path, index=False) if suffix == ".csv" else panel.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_prints_the_apis_json_for_a_csv_or_parquet_panel(tmp_path, suffix):
    result = run_cli(kpi_file(tmp_path, suffix), "--control", "notyet")
    assert result.exit_code == 0, result.output
    expected = staggered_did(staggered_panel(n=60), **COLUMNS, control="notyet")
    assert json.loads(result.output) == json.loads(json.dumps(DidSchema().dump(expected)))


def test_cli_table_shows_the_overall_effect_and_caveats(tmp_path):
    result = run_cli(kpi_file(tmp_path, ".csv"), "--format", "table")
    assert result.exit_code == 0, result.output
    att = staggered_did(staggered_panel(n=60), **COLUMNS)["overall"]["att"]
    assert f"overall (simple): att {att:.4f}  se " in result.output
    assert "Dropped" in result.output and "treated in the first period" in result.output


def test_cli_error_is_one_readable_line_and_exit_2(tmp_path):
    path = kpi_file(tmp_path, ".csv")
    result = CliRunner().invoke(main, ["pilots", "did", "--panel", str(path), *CLI_COLUMNS, "x"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: The input is not valid. (outcome: No column 'x' in the panel.)"
    ]
