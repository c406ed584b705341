"""The access log of works-council mode (UPTAKE_ACCESS_LOG=on, docs/privacy.md): every read of
one person's data by someone else is logged; HR and admin export it (API and CLI)."""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adoption.identity.access_log import record_access
from adoption.models import AccessLog, AuditLog, Employee
from api.cli.main import main

API = "/api/v1"
PERSON = {
    "record": "/employees/E002",
    "proficiency": "/employees/E002/proficiency",
    "history": "/employees/E002/history",
    "progress": "/employees/E002/progress",
    "badges": "/employees/E002/badges",
}


@pytest.fixture
def settings(settings):
    return replace(settings, access_log=True)


@pytest.fixture
def team(make_site, make_employee, make_token):
    """S001 with E001 and E002, S002 with E003; tokens named after their holders."""
    make_site("S001")
    make_site("S002")
    for user, site in (("E001", "S001"), ("E002", "S001"), ("E003", "S002")):
        make_employee(user, site)
    return {
        "manager": make_token("manager", name="manager-1", sites=["S001"]),
        "hr": make_token("hr", name="hr-1"),
        "admin": make_token("admin", name="admin-1"),
        "e001": make_token("employee", name="e001-phone", user_id="E001"),
        "e002": make_token("employee", name="e002-phone", user_id="E002"),
    }


def logged(session) -> list[tuple]:
    session.rollback()
    rows = session.execute(
        select(AccessLog.viewer, AccessLog.viewer_role, Employee.external_id, AccessLog.what)
        .join(Employee, Employee.id == AccessLog.employee_id)
        .order_by(AccessLog.id)
    )
    return [tuple(r) for r in rows]


def test_a_managers_read_of_an_employee_is_logged_with_the_path(team, client, session):
    assert client.get(f"{API}/employees/E002", headers=team["manager"]).status_code == 200
    assert logged(session) == [("manager-1", "manager", "E002", "record")]
    assert session.scalar(select(AccessLog.path)) == "/api/v1/employees/E002"


def test_every_read_of_one_persons_data_is_logged(team, client, session):
    for path in PERSON.values():
        assert client.get(API + path, headers=team["hr"]).status_code == 200
    assert logged(session) == [("hr-1", "hr", "E002", what) for what in PERSON]


def test_reading_ones_own_data_is_not_logged(team, client, session):
    for path in PERSON.values():
        assert client.get(API + path, headers=team["e002"]).status_code == 200
    assert logged(session) == []


def test_a_refused_or_failed_read_is_not_logged(team, client, session):
    assert client.get(f"{API}/employees/E003", headers=team["manager"]).status_code == 404
    assert client.get(f"{API}/employees/E002", headers=team["e001"]).status_code == 404
    bad = client.get(
        f"{API}/employees/E002/history?from=2026-11-10&to=2026-11-01", headers=team["hr"]
    )
    assert bad.status_code == 422  # rolled back with the rest of the request
    assert logged(session) == []


def test_lists_and_boards_are_not_individual_reads(team, client, session):
    assert client.get(f"{API}/employees?site_id=S001", headers=team["manager"]).status_code == 200
    assert client.get(f"{API}/sites/S001/team", headers=team["manager"]).status_code == 200
    assert logged(session) == []


def test_nothing_is_logged_when_the_access_log_is_off(team, client, session, app):
    uptake = app.extensions["uptake"]
    uptake.settings = replace(uptake.settings, access_log=False)
    assert client.get(f"{API}/employees/E002", headers=team["manager"]).status_code == 200
    assert logged(session) == []


def test_hr_exports_the_log_as_csv_and_the_export_is_audited(team, client, session):
    client.get(f"{API}/employees/E002", headers=team["manager"])
    client.get(f"{API}/employees/E003/badges", headers=team["admin"])
    response = client.get(f"{API}/access-log?format=csv", headers=team["hr"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["at", "viewer", "viewer_role", "user_id", "what", "path"]
    assert [r[1:] for r in rows[1:]] == [
        ["manager-1", "manager", "E002", "record", "/api/v1/employees/E002"],
        ["admin-1", "admin", "E003", "badges", "/api/v1/employees/E003/badges"],
    ]
    session.rollback()
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "access_log.export")).one()
    assert (audit.actor, audit.details["rows"]) == ("hr-1", 2)


def test_the_log_filters_by_person_and_utc_days(team, client, session):
    pk = {e.external_id: e.id for e in session.scalars(select(Employee))}
    for day, person in ((1, "E002"), (2, "E003"), (3, "E002")):
        record_access(
            session,
            viewer="hr-1",
            viewer_role="hr",
            employee_id=pk[person],
            what="record",
            path=f"/api/v1/employees/{person}",
            now=datetime(2026, 11, day, 23, 59, tzinfo=UTC),
        )
    session.commit()
    response = client.get(
        f"{API}/access-log?user_id=e002&from=2026-11-02&to=2026-11-03", headers=team["hr"]
    )
    assert [(e["user_id"], e["at"][:10]) for e in response.json] == [("E002", "2026-11-03")]
    unknown = client.get(f"{API}/access-log?user_id=NOPE", headers=team["hr"])
    assert unknown.status_code == 404


def test_the_json_log_pages_oldest_first(team, client):
    for _ in range(3):
        client.get(f"{API}/employees/E002", headers=team["manager"])
    first = client.get(f"{API}/access-log?limit=2", headers=team["hr"])
    assert len(first.json) == 2 and "Link" in first.headers
    rest = client.get(first.headers["Link"].split(">")[0].lstrip("<"), headers=team["hr"])
    assert len(rest.json) == 1 and rest.json[0]["id"] > first.json[1]["id"]


def test_a_bad_window_is_422_naming_the_field(team, client):
    response = client.get(f"{API}/access-log?from=2026-11-05&to=2026-11-01", headers=team["hr"])
    assert response.status_code == 422
    assert "from" in response.json["error"]["details"]


def test_a_viewer_name_a_spreadsheet_would_run_is_neutralised(team, client, make_token):
    client.get(f"{API}/employees/E002", headers=make_token("hr", name="=HYPERLINK(1)"))
    text = client.get(f"{API}/access-log?format=csv", headers=team["hr"]).data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_cli_exports_the_log_for_one_person(team, client, runner, tmp_path, session):
    client.get(f"{API}/employees/E002", headers=team["manager"])
    client.get(f"{API}/employees/E003", headers=team["hr"])
    out = tmp_path / "log.csv"
    result = runner.invoke(main, ["access-log", "export", "--user", "E003", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [r[1:5] for r in rows[1:]] == [["hr-1", "hr", "E003", "record"]]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AccessLog)) == 2


def test_a_cursor_beyond_any_id_is_a_422_naming_the_cursor(client, make_token):
    # base64 of "9223372036854775808" (2^63): no access_log id can hold it.
    cursor = base64.urlsafe_b64encode(b"9223372036854775808").decode().rstrip("=")
    headers = make_token("hr", name="hr-cursor")
    response = client.get(f"/api/v1/access-log?cursor={cursor}", headers=headers)
    assert response.status_code == 422
    assert "cursor" in response.json["error"]["details"]
