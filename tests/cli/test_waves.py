"""`uptake waves set` and `uptake waves show`: the JSON of GET /api/v1/waves/{n} and readable
errors (sites: tests.pilots.waves_world).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from api.cli.main import main
from tests.pilots.waves_world import ten_sites

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.waves.utcnow", lambda: NOW)
    monkeypatch.setattr("api.cli.waves.utcnow", lambda: NOW)


@pytest.fixture
def chain(make_site):
    ten_sites(make_site)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


@pytest.fixture
def get(client, lead):
    def call(n):
        return client.get(f"/api/v1/waves/{n}", headers=lead)

    return call


def test_the_cli_says_the_rule_in_its_words(chain, runner):
    result = runner.invoke(main, ["waves", "set", "2", "--canary", "1.5"])
    assert result.exit_code == 2
    assert "must be greater than 0 and at most 1 (e.g. 0.1 for 10%)." in result.output


def test_cli_set_and_show_print_the_apis_json(chain, runner, get):
    result = runner.invoke(main, ["waves", "set", "2", "--sites", "S001,S002", "--canary", "0.5"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(main, ["waves", "show", "2"])
    assert json.loads(result.stdout) == json.loads(shown.stdout) == get(2).json


def test_cli_unknown_site_is_exit_2_naming_it(chain, runner):
    result = runner.invoke(main, ["waves", "set", "2", "--sites", "S001,NOPE"])
    assert result.exit_code == 2
    assert "Unknown site 'NOPE'." in result.stderr
