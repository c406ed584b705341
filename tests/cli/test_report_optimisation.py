"""`uptake report optimisation`: the optimisation report written to a file, stored like the
API's. The chain is tests/pilots/test_optimisation.py's (NOW Fri 2026-11-20 12:00 UTC)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from api.cli.main import main
from pilots.models import OptimisationReport
from tests.pilots.test_optimisation import NOW, build_chain

PERIOD = ("--from", "2026-11-02", "--to", "2026-11-15")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.cli.report.utcnow", lambda: NOW)


@pytest.fixture
def chain(session):
    return build_chain(session)


def run(runner, *args: str):
    return runner.invoke(main, ["report", "optimisation", *PERIOD, *args])


def test_html_by_default_and_stored(chain, runner, session, tmp_path):
    out = tmp_path / "report.html"
    result = run(runner, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: ")
    page = out.read_text()
    assert page.startswith("<!doctype html>") and '<section id="hotspots">' in page
    stored = session.scalars(select(OptimisationReport)).one()
    assert stored.generated_by.startswith("cli:")
    assert stored.data["period"] == {"from": "2026-11-02", "to": "2026-11-15", "days": 14}


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_each_format_is_written(chain, runner, tmp_path, locale):
    for fmt in ("json", "xlsx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = run(runner, "--format", fmt, "--locale", locale, "--output", str(out))
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "report.json").read_text())["hotspots"]["min_attempts"] == 20
    book = load_workbook(io.BytesIO((tmp_path / "report.xlsx").read_bytes()))
    assert len(book.sheetnames) == 10
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_a_period_not_over_yet_exits_2_naming_to(chain, runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "report",
            "optimisation",
            "--from",
            "2026-11-10",
            "--to",
            "2026-11-20",
            "--output",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 2
    assert "to: Must not be after 2026-11-19" in result.output
    assert not (tmp_path / "r.html").exists()
