"""The readiness gate: rules on each site in scope, each of its last N complete weeks.

NOW is Friday 2026-11-20 12:00 UTC, so yesterday is 11-19. A site live since Monday 11-02 has
week 0 = [11-02, 11-08] and week 1 = [11-09, 11-15] complete; week 2 = [11-16, 11-22] is not.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from adoption.scoring.rules import load_rules
from api.cli.main import main
from pilots import readiness_rules
from pilots.readiness import readiness
from tests.adoption.scoring.test_proficiency import NOW, Scenario

GO_LIVE = date(2026, 11, 2)
ADOPTION_80 = {
    "metric": "adoption_rate",
    "comparison": ">=",
    "threshold": 0.8,
    "weeks": 2,
    "scope": "pilots",
}
SCOPE = {"manager": {"sites": ["P1"]}, "employee": {"user_id": "A"}}


def d(day: int) -> date:
    return date(2026, 11, day)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    monkeypatch.setattr("api.cli.pilots.utcnow", lambda: NOW)


@pytest.fixture
def scn(session) -> Scenario:
    return Scenario(session).feature("pos.sale", is_core=True)


def live_site(scn: Scenario, code: str, people: dict[str, list[int]], **values) -> None:
    """A site live since GO_LIVE whose people are active on the given November days."""
    values.setdefault("go_live_on", GO_LIVE)
    scn.site(code, **values)
    for user, days in people.items():
        scn.person(user, code)
        scn.send(*(scn.ev(user, "pos.sale", d(day)) for day in days))


def add_rule(session, **changes) -> dict:
    rule = readiness_rules.add_rule(session, {**ADOPTION_80, **changes}, now=NOW, actor="test")
    session.commit()
    return rule


def gate(session, wave: int = 2) -> dict:
    return readiness(session, wave, now=NOW, rules=load_rules(session))


def evidence(result: dict, rule: int = 0) -> list[tuple]:
    return [
        (e["site_id"], e["week"], e["value"], e["passed"])
        for e in result["rules"][rule]["evidence"]
    ]


def test_go_when_every_pilot_passes_every_one_of_its_last_n_weeks(scn, session):
    # both people active in week 0 (11-03) and week 1 (11-10): 2 ÷ 2 = 1.0 each week
    live_site(scn, "P1", {"A": [3, 10], "B": [4, 11]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert (result["wave"], result["decision"], result["rules"][0]["passed"]) == (2, "go", True)
    assert evidence(result) == [("P1", 0, 1.0, True), ("P1", 1, 1.0, True)]


def test_no_go_when_one_site_fails_one_week(scn, session):
    live_site(scn, "P1", {"A": [3, 10], "B": [4, 11]}, is_pilot=True)
    # P2: C and D in week 0; only C in week 1 → 1 ÷ 2 = 0.5 < 0.8
    live_site(scn, "P2", {"C": [3, 10], "D": [5]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert (result["decision"], result["rules"][0]["passed"]) == ("no_go", False)
    assert [e for e in evidence(result) if not e[3]] == [("P2", 1, 0.5, False)]
    week = result["rules"][0]["evidence"][-1]
    assert (week["from"], week["to"]) == (d(9), d(15))


def test_the_week_in_progress_is_not_used(scn, session):
    # Nobody active in week 2 so far (11-16 to 11-19): it would fail, but it is not complete.
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "go"
    assert [e[1] for e in evidence(result)] == [0, 1]


def test_a_week_is_complete_once_its_last_day_has_ended_at_the_site(scn, session):
    # Go-live 11-07: week 1 = [11-14, 11-20]. At 12:00 UTC on 11-20 it is 02:00 on 11-21 at
    # Kiritimati (UTC+14), so week 1 is over there; in UTC, 11-20 is still running.
    live_site(scn, "UTC1", {"A": [8, 15]}, is_pilot=True, go_live_on=d(7))
    live_site(scn, "KIR1", {"B": [8, 15]}, is_pilot=True, go_live_on=d(7), tz="Pacific/Kiritimati")
    add_rule(session, weeks=1)
    assert [(e[0], e[1]) for e in evidence(gate(session))] == [("KIR1", 1), ("UTC1", 0)]


def test_previous_wave_scope_judges_the_sites_of_wave_n_minus_1(scn, session):
    live_site(scn, "P1", {"A": [3]}, is_pilot=True)  # week 1: 0 of 1 active, out of scope
    live_site(scn, "W1", {"B": [3, 10]}, wave=1)
    live_site(scn, "W2", {"C": []}, wave=2)  # the wave being judged is not its own evidence
    add_rule(session, scope="previous_wave")
    result = gate(session, wave=2)
    assert result["decision"] == "go"
    assert evidence(result) == [("W1", 0, 1.0, True), ("W1", 1, 1.0, True)]


def test_wave_1s_previous_wave_is_the_pilots(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    live_site(scn, "W1", {"B": []}, wave=1)
    add_rule(session, scope="previous_wave")
    assert {e[0] for e in evidence(gate(session, wave=1))} == {"P1"}


def test_a_site_with_too_few_complete_weeks_fails_with_evidence(scn, session):
    # Live since 11-09: only week 0 = [11-09, 11-15] is complete, the rule needs 2.
    live_site(scn, "P1", {"A": [10]}, is_pilot=True, go_live_on=d(9))
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "no_go"
    assert evidence(result) == [("P1", 0, 1.0, True), ("P1", None, None, False)]
    assert result["rules"][0]["evidence"][1]["note"] == (
        "Only 1 of 2 complete weeks since go-live on 2026-11-09."
    )


def test_a_site_without_go_live_fails_with_a_note(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True, go_live_on=None)
    add_rule(session)
    result = gate(session)
    assert evidence(result) == [("P1", None, None, False)]
    assert "go_live_on" in result["rules"][0]["evidence"][0]["note"]


def test_no_sites_in_scope_is_no_go_and_says_why(scn, session):
    live_site(scn, "S1", {"A": [3, 10]})  # not a pilot
    add_rule(session)
    result = gate(session)
    assert result["decision"] == "no_go"
    assert evidence(result) == [(None, None, None, False)]
    assert result["rules"][0]["evidence"][0]["note"] == "No pilot sites (is_pilot) to judge by."


def test_no_enabled_rule_is_no_go(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    add_rule(session, enabled=False)
    result = gate(session)
    assert (result["decision"], result["rules"]) == ("no_go", [])
    assert result["reason"].startswith("No readiness rule is enabled")


def test_an_at_most_rule_compares_with_less_or_equal(scn, session):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    scn.send(scn.ev("A", "pos.sale", d(11), outcome="error"))
    add_rule(session, metric="error_rate", comparison="<=", threshold=0.25)
    # week 0: 0 errors ÷ 1 = 0; week 1: 1 error ÷ (1 + 1) = 0.5 > 0.25
    assert evidence(gate(session)) == [("P1", 0, 0.0, True), ("P1", 1, 0.5, False)]


def test_a_value_equal_to_the_threshold_passes(scn, session):
    # 4 of 5 active each week: exactly 0.8
    live_site(scn, "P1", {u: [3, 10] for u in "ABCD"} | {"E": []}, is_pilot=True)
    add_rule(session)
    assert gate(session)["decision"] == "go"


def test_wave_0_has_no_gate(session):
    with pytest.raises(Exception, match="not valid"):
        gate(session, wave=0)


# ---- HTTP and CLI --------------------------------------------------------------------------------


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


def test_api_answers_the_contract_shape(scn, session, client, lead):
    live_site(scn, "P1", {"A": [3, 10]}, is_pilot=True)
    rule = add_rule(session)
    body = client.get("/api/v1/pilots/readiness?wave=2", headers=lead).json
    assert {"wave", "decision", "rules"} <= set(body)
    assert body["rules"][0]["rule"] == rule
    assert {"site_id", "week", "value"} <= set(body["rules"][0]["evidence"][0])


@pytest.mark.parametrize("path", ["?wave=0", "?wave=soon", ""])
def test_api_bad_wave_is_422(client, lead, path):
    response = client.get(f"/api/v1/pilots/readiness{path}", headers=lead)
    assert response.status_code == 422
    assert "wave" in response.json["error"]["details"]


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


def test_put_rules_replaces_the_set_and_keeps_unchanged_ids(client, lead):
    other = {**ADOPTION_80, "metric": "stickiness", "threshold": 0.5}
    first = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80, other], headers=lead)
    assert first.status_code == 200
    kept = first.json[0]["id"]
    second = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80], headers=lead)
    assert [r["id"] for r in second.json] == [kept]
    assert client.get("/api/v1/pilots/readiness/rules", headers=lead).json == second.json


@pytest.mark.parametrize(
    "bad",
    [{"metric": "happiness"}, {"threshold": 1.5}, {"weeks": 0}, {"scope": "chain"}],
)
def test_put_rules_rejects_a_bad_rule_with_422(client, lead, bad):
    response = client.put(
        "/api/v1/pilots/readiness/rules", json=[{**ADOPTION_80, **bad}], headers=lead
    )
    assert response.status_code == 422


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


@pytest.mark.parametrize("role", ["manager", "hr", "employee", "ingest"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/pilots/readiness?wave=2"),
        ("GET", "/api/v1/pilots/readiness/rules"),
        ("PUT", "/api/v1/pilots/readiness/rules"),
    ],
)
def test_other_roles_get_403(scn, client, make_token, role, method, path):
    live_site(scn, "P1", {"A": [3]}, is_pilot=True)
    headers = make_token(role, name=f"{role}-t", **SCOPE.get(role, {}))
    response = client.open(
        path, method=method, json=[] if method == "PUT" else None, headers=headers
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_rules_from_a_get_can_be_sent_back_unchanged(client, lead):
    stored = client.put("/api/v1/pilots/readiness/rules", json=[ADOPTION_80], headers=lead).json
    again = client.put("/api/v1/pilots/readiness/rules", json=stored, headers=lead)
    assert (again.status_code, again.json) == (200, stored)
