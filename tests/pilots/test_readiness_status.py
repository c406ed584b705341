"""The readiness answer's `status`: "no rule yet" (no_rule) is a state of its own, apart from a
NO GO on evidence; `decision` stays go or no_go (CONTRACT.md)."""

from __future__ import annotations

import pytest

from adoption.scoring.rules import load_rules
from pilots import readiness_rules
from pilots.readiness import readiness
from tests.adoption.scoring.test_proficiency import NOW, Scenario
from tests.pilots.readiness_world import add_rule, live_site, scenario


@pytest.fixture
def scn(session) -> Scenario:
    return scenario(session)


def answer(session) -> tuple[str, str]:
    result = readiness(session, 2, now=NOW, rules=load_rules(session))
    return result["decision"], result["status"]


def test_without_an_enabled_rule_the_status_is_no_rule_and_the_decision_no_go(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    assert answer(session) == ("no_go", "no_rule")
    add_rule(session, enabled=False)
    assert answer(session) == ("no_go", "no_rule")


def test_a_failing_rule_is_no_go_and_a_passing_one_go(scn, session):
    live_site(scn, "P1", {"A": [3, 10], "B": [4]}, is_pilot=True)  # week 1: 1 of 2 = 0.5
    strict = add_rule(session)
    assert answer(session) == ("no_go", "no_go")
    readiness_rules.remove_rule(session, strict["id"], now=NOW, actor="test")
    add_rule(session, threshold=0.5)  # 0.5 ≥ 0.5 in weeks 0 (2 of 2) and 1
    assert answer(session) == ("go", "go")


def test_the_api_answers_the_status(scn, session, client, make_token, monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    lead = make_token("rollout_lead", name="lead")
    body = client.get("/api/v1/pilots/readiness?wave=2", headers=lead).json
    assert (body["decision"], body["status"]) == ("no_go", "no_rule")
