"""A CLI for every action of the API (issue 14): each command's JSON is the API's JSON for the
same request, CSV and tables have their header row, exit codes are 0 done, 1 refused or not
found, 2 usage, and what a command changes is audited under `cli:<OS user>`.

One team world for the module (tests/web/team.py: S1 and S2, November 2026) on SQLite, built
once; the clock is the real one (the same for the API's request and the CLI's). The last test
runs a representative command on each back end (PostgreSQL too when configured).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adoption.config import Settings
from adoption.db import reader_session
from adoption.identity import credentials
from adoption.models import AuditLog, Quarantine
from api import create_app
from api.cli.context import operator_name
from api.cli.main import main
from rewards.board_cache import BOARDS
from tests.helpers import event
from tests.web.team import build_team

OPERATOR = f"cli:{operator_name()}"
WEEK = {"from": "2026-11-13", "to": "2026-11-19"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory):
    BOARDS.clear()
    folder = tmp_path_factory.mktemp("cli_api")
    shutil.copy(sqlite_template, folder / "uptake.sqlite3")
    url = f"sqlite:///{folder / 'uptake.sqlite3'}"
    settings = Settings(
        database_url=url, secret_key="test-secret", instance_path=folder, min_group=1
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    session = reader_session(app.extensions["uptake"].sessions)
    build_team(session)
    now = datetime.now(UTC)
    _, admin = credentials.create_token(session, role="admin", name="ops-admin", now=now)
    _, ingest = credentials.create_token(session, role="ingest", name="pos", now=now)
    session.commit()
    client = app.test_client()
    bad = [event(n, site_id="S9", user_id="A", action="pos.sale") for n in range(1, 5)]
    assert client.post("/api/v1/events", json=bad, headers=bearer(ingest)).status_code < 300
    env = {
        "UPTAKE_DATABASE_URL": url,
        "UPTAKE_INSTANCE_PATH": str(folder),
        "UPTAKE_SECRET_KEY": "test-secret",
        "UPTAKE_MIN_GROUP": "1",
    }
    yield SimpleNamespace(client=client, admin=bearer(admin), session=session, env=env)
    session.close()
    app.extensions["uptake"].engine.dispose()


def cli(world, *args: str, code: int = 0):
    result = CliRunner(env=world.env).invoke(main, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    return result


def api(world, path: str, **query):
    response = world.client.get(f"/api/v1{path}", query_string=query, headers=world.admin)
    assert response.status_code == 200, response.json
    return response.json


def quarantined(world) -> list[int]:
    world.session.rollback()
    return list(
        world.session.scalars(
            select(Quarantine.id).where(Quarantine.status == "open").order_by(Quarantine.id)
        )
    )


def audit(world, action: str) -> list[tuple[str, str]]:
    world.session.rollback()
    rows = world.session.scalars(select(AuditLog).where(AuditLog.action == action))
    return [(r.actor, r.target) for r in rows]


READS = [
    (["sites", "list"], "/sites", {}),
    (["sites", "show", "s1"], "/sites/s1", {}),
    (["employees", "list", "--site-id", "S1"], "/employees", {"site_id": "S1"}),
    (["employees", "show", "A"], "/employees/A", {}),
    (["employees", "score", "C", "--as-of", "2026-11-19"], "/employees/C/proficiency",
     {"as_of": "2026-11-19"}),
    (["employees", "history", "C", "--from", WEEK["from"], "--to", WEEK["to"]],
     "/employees/C/history", WEEK),
    (["employees", "badges", "C"], "/employees/C/badges", {}),
    (["employees", "points", "B", "--from", "2026-11-01", "--to", "2026-11-30"],
     "/employees/B/points", {"from": "2026-11-01", "to": "2026-11-30"}),
    (["features", "list"], "/features", {}),
    (["features", "show", "pos.sale"], "/features/pos.sale", {}),
    (["report", "series", "S1", "--from", WEEK["from"], "--to", WEEK["to"]],
     "/adoption/sites/S1/series", WEEK),
    (["report", "insights", "--from", WEEK["from"], "--to", WEEK["to"]], "/adoption/insights",
     WEEK),
    (["leaderboard", "--scope", "site:S1", "--period", "2026-11"], "/leaderboards",
     {"scope": "site:S1", "period": "2026-11"}),
    (["leaderboard", "--scope", "chain", "--period", "2026-W47", "--unit", "site"],
     "/leaderboards", {"scope": "chain", "period": "2026-W47", "unit": "site"}),
    (["leaderboard", "--scope", "site:S1", "--period", "2026-11", "--around", "C", "--n", "1"],
     "/leaderboards/around", {"scope": "site:S1", "period": "2026-11", "user_id": "C", "n": "1"}),
    (["champions", "show", "2026-11"], "/champions/2026-11", {}),
    (["pilots", "compare", "--week", "0"], "/pilots/comparison", {"week": "0"}),
    (["pilots", "survival"], "/pilots/time-to-proficiency", {}),
    (["pilots", "did", "--from-db", "--seed", "3"], "/pilots/did", {"seed": "3"}),
    (["scoring", "configs", "list"], "/scoring/configs", {}),
    (["jobs", "runs"], "/jobs/runs", {}),
]  # fmt: skip
IDS = [" ".join(args) for args, _, _ in READS]


@pytest.mark.parametrize(("args", "path", "query"), READS, ids=IDS)
def test_the_json_is_the_apis_json(world, args, path, query):
    if path.startswith("/pilots/did"):
        expected = world.client.get(f"/api/v1{path}", query_string=query, headers=world.admin)
        result = cli(world, *args, "--format", "json", code=0 if expected.status_code == 200 else 1)
        if expected.status_code != 200:
            assert expected.json["error"]["message"] in result.stderr
            return
        assert json.loads(result.stdout) == expected.json
        return
    assert json.loads(cli(world, *args, "--format", "json").stdout) == api(world, path, **query)


@pytest.mark.parametrize(("args", "path", "query"), READS, ids=IDS)
def test_csv_and_table_print(world, args, path, query):
    if path.startswith("/pilots/did"):
        return  # the stored data may have too few sites for an estimate (see the JSON test)
    text = cli(world, *args, "--format", "csv").stdout
    assert "Traceback" not in text
    table = cli(world, *args, "--format", "table").stdout
    assert "Traceback" not in table


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["sites", "list"], ["site_id", "name", "timezone"]),
        (["employees", "list"], ["user_id", "site_id", "display_name"]),
        (["leaderboard", "--scope", "site:S1", "--period", "2026-11"], ["rank", "user_id"]),
        (["employees", "points", "B", "--from", "2026-11-01", "--to", "2026-11-30"], ["id"]),
        (["report", "insights", "--from", WEEK["from"], "--to", WEEK["to"]], ["list"]),
        (["quarantine", "list"], ["id", "source", "event_id", "kind"]),
    ],
)
def test_csv_has_the_rows_under_a_header(world, args, header):
    rows = list(csv.reader(io.StringIO(cli(world, *args, "--format", "csv").stdout)))
    assert set(header) <= set(rows[0]), rows[0]
    assert len(rows) > 1
    assert all(len(r) == len(rows[0]) for r in rows)


def test_a_table_of_a_board_names_its_columns(world):
    lines = cli(world, "leaderboard", "--scope", "site:S1", "--period", "2026-11").stdout
    head = lines.splitlines()[0].split()
    assert head[:1] == ["rank"] and "user_id" in head and "value" in head


def test_an_unknown_person_is_exit_1(world):
    result = cli(world, "employees", "show", "nobody", code=1)
    assert result.stderr.strip() == "error: No employee 'nobody'. (user_id: nobody)"
    assert result.stdout == ""


def test_a_bad_period_is_exit_2_naming_period(world):
    result = cli(world, "leaderboard", "--scope", "chain", "--period", "2026-13", code=2)
    assert result.stderr.startswith("error: The input is not valid. (period: ")


def test_a_missing_option_is_click_usage_exit_2(world):
    assert "--scope" in cli(world, "leaderboard", code=2).output


def test_a_month_not_over_is_refused_with_exit_1(world):
    month = datetime.now(UTC).strftime("%Y-%m")
    result = cli(world, "champions", "close", month, code=1)
    assert "error: " in result.stderr and result.stdout == ""


def test_close_is_audited_under_the_operator_and_export_is_the_apis_file(world, tmp_path):
    closed = json.loads(cli(world, "champions", "close", "2026-10").stdout)
    assert (closed["status"], closed["closed_by"]) == ("closed", OPERATOR)
    assert (OPERATOR, "2026-10") in [(a, t[:7]) for a, t in audit(world, "champions.close")]
    out = tmp_path / "october.csv"
    cli(world, "champions", "export", "2026-10", "--out", str(out))
    response = world.client.get("/api/v1/champions/2026-10/export", headers=world.admin)
    assert out.read_bytes() == response.get_data()
    reopened = json.loads(cli(world, "champions", "reopen", "2026-10", "--note", "fix").stdout)
    assert (reopened["status"], reopened["version"]) == ("draft", 2)


def test_quarantine_show_discard_and_replay_as_the_operator(world, tmp_path):
    first, second, *_ = quarantined(world)
    shown = json.loads(cli(world, "quarantine", "show", str(first)).stdout)
    listed = api(world, "/quarantine", status="all")
    assert shown == next(i for i in listed if i["id"] == first)
    discarded = json.loads(cli(world, "quarantine", "discard", str(first)).stdout)
    assert discarded["status"] == "discarded"
    corrected = tmp_path / "event.json"
    corrected.write_text(json.dumps(event("fixed", site_id="S1", user_id="A", action="pos.sale")))
    replayed = json.loads(
        cli(world, "quarantine", "replay", str(second), "--corrected", str(corrected)).stdout
    )
    assert (replayed["accepted"], replayed["item"]["status"]) == (1, "replayed")
    assert audit(world, "quarantine.discard") == [(OPERATOR, str(first))]
    assert audit(world, "quarantine.replay") == [(OPERATOR, str(second))]
    assert "No quarantined item" in cli(world, "quarantine", "show", "999999", code=1).stderr
    assert cli(world, "quarantine", "discard", str(first), code=1).stderr.startswith("error: ")


def test_a_replay_that_still_fails_is_exit_2_and_the_item_stays_open(world):
    item = quarantined(world)[-1]
    result = cli(world, "quarantine", "replay", str(item), code=2)
    assert "site_id" in result.stderr
    assert item in quarantined(world)


def test_scoring_configs_create_is_the_apis_version_audited(world):
    created = json.loads(cli(world, "scoring", "configs", "create", "window_days=14").stdout)
    assert created == api(world, "/scoring/configs")[-1]
    assert created["window_days"] == 14
    assert [a for a, _ in audit(world, "scoring_config.create")] == [OPERATOR]
    result = cli(world, "scoring", "configs", "create", "window_days=0", code=2)
    assert "window_days" in result.stderr


def test_a_chart_is_the_apis_file(world, tmp_path):
    out = tmp_path / "curve.svg"
    cli(world, "pilots", "chart", "curve", "--out", str(out))
    assert out.read_bytes().lstrip().startswith(b"<?xml")
    assert "not_found" not in cli(world, "pilots", "chart", "pie", "--out", "-", code=1).stdout


def test_a_full_page_prints_the_next_cursor(world):
    result = cli(world, "employees", "list", "--limit", "2", "--format", "json")
    [hint] = [line for line in result.stderr.splitlines() if line.startswith("next page:")]
    cursor = hint.split()[-1]
    args = ["employees", "list", "--limit", "2", "--cursor", cursor, "--format", "json"]
    page = json.loads(cli(world, *args).stdout)
    assert page == api(world, "/employees", limit=2, cursor=cursor)


def test_the_leaderboard_json_is_the_apis_on_each_back_end(runner, client, make_token, session):
    build_team(session)
    admin = make_token("admin", name="ops-admin")
    query = {"scope": "site:S1", "period": "2026-11", "metric": "points"}
    expected = client.get("/api/v1/leaderboards", query_string=query, headers=admin).json
    args = ["leaderboard", "--format", "json", *(f"--{k}={v}" for k, v in query.items())]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected


def test_free_form_objects_keep_one_csv_column_so_pages_share_a_header():
    """A quarantined item's reasons differ from row to row: as one JSON column, every page of
    `uptake quarantine list --format csv` has the same header."""
    from api.cli.context import rows_text

    page_one = [{"id": 1, "reasons": {"site_id": ["Unknown site."]}}]
    page_two = [{"id": 2, "reasons": {"duration_ms": ["Too long."]}}]
    headers = {rows_text(page, "csv").splitlines()[0] for page in (page_one, page_two)}
    assert headers == {"id,reasons"}
    assert '"{""site_id"": [""Unknown site.""]}"' in rows_text(page_one, "csv")


def test_quarantine_summary_filters_and_bulk_actions_are_the_apis(world):
    summary = json.loads(cli(world, "quarantine", "summary", "--site", "s9").stdout)
    assert summary == api(world, "/quarantine/summary", site="s9")
    assert summary["total"] == len(quarantined(world)) and summary["by_source"][0]["count"] >= 1
    reason = summary["by_reason"][0]["reason"]
    listed = json.loads(
        cli(
            world,
            "quarantine",
            "list",
            "--reason",
            reason,
            "--from",
            "2000-01-01",
            "--format",
            "json",
        ).stdout
    )
    assert listed == api(world, "/quarantine", reason=reason, received_from="2000-01-01")
    dry = json.loads(cli(world, "quarantine", "replay-all", "--site", "S9", "--dry-run").stdout)
    assert (dry["dry_run"], dry["matched"], dry["passed"]) == (True, summary["total"], 0)
    assert dry["failing_by_reason"][0]["reason"] == "site_id: Unknown site."
    first = quarantined(world)[0]
    asked = CliRunner(env=world.env).invoke(
        main, ["quarantine", "discard-all", "--to", "2999-12-31"], input="n\n"
    )
    assert asked.exit_code == 1 and f"Discard {summary['total']} items?" in asked.stderr
    assert len(quarantined(world)) == summary["total"]  # asked, refused: nothing changed
    done = json.loads(cli(world, "quarantine", "discard-all", "--to", "2999-12-31", "--yes").stdout)
    assert (done["dry_run"], done["passed"]) == (False, summary["total"])
    assert quarantined(world) == []
    world.session.rollback()
    (row,) = world.session.scalars(
        select(AuditLog).where(AuditLog.action == "quarantine.bulk_discard")
    )
    assert row.actor == OPERATOR and first in row.details["items"]
    bad = cli(world, "quarantine", "list", "--from", "2026-12-02", "--to", "2026-12-01", code=2)
    assert "received_to" in bad.stderr
