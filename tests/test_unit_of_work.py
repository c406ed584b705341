"""One transaction idiom: a unit of work per request, CLI command and job run; domain code
flushes, the front door commits once (api.database, api.cli.context, adoption.jobs.runs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import flash, redirect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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

    def writes_then_answers_an_error():
        _put_site("W3")
        return {"error": "answered"}, 422

    def writes_and_keeps_on_error():
        _put_site("W4")
        database.keep_on_error()
        return {"error": "kept"}, 400

    def attempt_then_redirect():
        _put_site("W5")
        try:
            with database.attempt():
                _put_site("W6")
                raise Conflict("not this one")
        except Conflict:
            flash("W6 was not added", "error")
        return redirect("/")

    def flashes_then_commit_fails():
        _put_site("W7")
        flash("W7 is saved", "ok")
        database.session().add(Site(code="", code_key=None))  # fails at commit: NOT NULL
        return redirect("/")

    for rule, view in (
        ("/api/v1/test-writes", writes),
        ("/api/v1/test-fails", writes_then_fails),
        ("/api/v1/test-error-answer", writes_then_answers_an_error),
        ("/api/v1/test-keep", writes_and_keeps_on_error),
        ("/api/v1/test-attempt", attempt_then_redirect),
        ("/api/v1/test-commit-fails", flashes_then_commit_fails),
    ):
        app.add_url_rule(rule, view.__name__, view, methods=["POST"])
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


def test_a_request_that_answers_an_error_without_raising_leaves_nothing(routes, client):
    assert client.post("/api/v1/test-error-answer").status_code == 422
    assert "W3" not in _site_codes(routes)


def test_an_error_answer_that_asks_to_keep_its_writes_is_committed(routes, client):
    # POST /events keeps an unreadable body in the quarantine while it answers 400.
    assert client.post("/api/v1/test-keep").status_code == 400
    assert "W4" in _site_codes(routes)


def test_an_attempt_that_raises_is_undone_and_the_rest_committed(routes, client):
    assert client.post("/api/v1/test-attempt").status_code == 302
    assert {"W5", "W6"} & _site_codes(routes) == {"W5"}


def test_a_failed_commit_withdraws_what_the_view_flashed(routes, client):
    response = client.post("/api/v1/test-commit-fails")
    assert response.status_code == 500
    assert "W7" not in _site_codes(routes)
    with client.session_transaction() as cookie:
        assert cookie.get("_flashes", []) == []


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


def test_a_job_run_whose_commit_fails_is_recorded_failed_not_left_running(app):
    factory = app.extensions["uptake"].sessions

    def work(session, _run):
        session.add(Site(code="J3"))  # no name and no key: the commit itself fails
        return {"sites": 1}

    with pytest.raises(IntegrityError):
        run_recorded(factory, "test-commit", lambda: NOW, work)
    assert "J3" not in _site_codes(app)
    with factory() as fresh:
        run = fresh.scalars(select(JobRun).where(JobRun.job == "test-commit")).one()
    assert run.outcome == "failed" and run.message.startswith("IntegrityError")
