"""One transaction idiom: a unit of work per request, CLI command and job run; domain code
flushes, the front door commits once (api.database, api.cli.context, adoption.jobs.runs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from adoption.errors import Conflict
from adoption.jobs.models import JobRun
from adoption.jobs.runs import run_recorded
from adoption.masterdata import records
from adoption.models import Site
from api import database

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _put_site(code: str) -> None:
    records.put_site(
        database.session(), code, {"name": f"Store {code}"}, now=NOW, actor="t", default_tz="UTC"
    )
    database.session().flush()


@pytest.fixture
def routes(app):
    """Two routes that write through the domain (which flushes): one returns, one raises."""

    def writes():
        _put_site("W1")
        return {"ok": True}

    def writes_then_fails():
        _put_site("W2")
        raise Conflict("changed my mind")

    app.add_url_rule("/api/v1/test-writes", "test_writes", writes, methods=["POST"])
    app.add_url_rule("/api/v1/test-fails", "test_fails", writes_then_fails, methods=["POST"])
    return app


def _site_codes(app) -> set[str]:
    with app.extensions["uptake"].sessions() as fresh:
        return set(fresh.scalars(select(Site.code)))


def test_a_request_that_writes_and_returns_is_committed(routes, client):
    assert client.post("/api/v1/test-writes").status_code == 200
    assert "W1" in _site_codes(routes)


def test_a_request_that_raises_after_flushing_leaves_nothing(routes, client):
    response = client.post("/api/v1/test-fails")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert "W2" not in _site_codes(routes)


def test_a_real_endpoint_commits_without_committing_itself(app, client, make_token):
    headers = make_token("admin", name="admin")
    response = client.put("/api/v1/sites/S777", json={"name": "Store 777"}, headers=headers)
    assert response.status_code in (200, 201)
    assert "S777" in _site_codes(app)


def _lines(folder: str, pattern: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("folder", ["api/http", "api/web", "api/cli"])
def test_handlers_and_commands_never_commit(folder):
    assert _lines(folder, r"\.commit\(\)") == []


def test_no_command_builds_its_own_sessionmaker():
    found = _lines("api/cli", r"make_sessionmaker|sessionmaker\(")
    assert all(line.startswith("api/cli/context.py") for line in found), found


def test_a_job_run_commits_its_work_and_its_outcome_together(app):
    factory = app.extensions["uptake"].sessions

    def work(session, _run):
        records.put_site(session, "J1", {"name": "J"}, now=NOW, actor="t", default_tz="UTC")
        session.flush()
        return {"sites": 1}

    run = run_recorded(factory, "test-job", lambda: NOW, work)
    assert run.outcome == "ok"
    assert "J1" in _site_codes(app)


def test_a_failed_job_run_leaves_no_work_but_keeps_its_record(app):
    factory = app.extensions["uptake"].sessions

    def work(session, _run):
        records.put_site(session, "J2", {"name": "J"}, now=NOW, actor="t", default_tz="UTC")
        session.flush()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_recorded(factory, "test-job", lambda: NOW, work)
    assert "J2" not in _site_codes(app)
    with factory() as fresh:
        run = fresh.scalars(select(JobRun).where(JobRun.job == "test-job")).one()
    assert (run.outcome, run.message) == ("failed", "RuntimeError: boom")
