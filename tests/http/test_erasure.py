"""Forgetting a person through the front doors: `POST /api/v1/employees/{user_id}/forget` (admin
only) and `uptake employees forget USER_ID` (docs/privacy.md)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.masterdata.erasure import pseudonym_code
from adoption.models import AuditLog, Employee
from api.cli.main import main
from tests.helpers import event

API = "/api/v1/employees"


@pytest.fixture
def people(make_site, make_employee, send_events):
    make_site("S001")
    make_employee("E001", "S001", display_name="Anna Beispiel")
    make_employee("E002", "S001", display_name="Bert Muster")
    assert send_events([event(1), event(2, user_id="E002")]).json["accepted"] == 2


def test_admin_forgets_a_person_and_gets_the_pseudonym(people, client, make_token, session):
    pk = session.scalar(select(Employee.id).where(Employee.external_key == "e001"))
    response = client.post(f"{API}/E001/forget", headers=make_token("admin", name="admin-1"))
    assert response.status_code == 200, response.json
    code = pseudonym_code(pk)
    body = response.json
    assert (body["user_id"], body["display_name"], body["already_erased"]) == (
        f"erased-{code}",
        f"Former employee {code}",
        False,
    )
    assert body["changed"]["events_deleted"] == 1
    hr = make_token("hr")
    shown = client.get(f"{API}/erased-{code}", headers=hr).json
    assert shown["display_name"] == f"Former employee {code}"
    assert client.get(f"{API}/E001", headers=hr).status_code == 404
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "employee.forget")).one()
    assert (audit.actor, audit.target) == ("admin-1", f"erased-{code}")


def test_forgetting_again_by_the_pseudonym_changes_nothing(people, client, make_token):
    admin = make_token("admin")
    first = client.post(f"{API}/E001/forget", headers=admin).json
    again = client.post(f"{API}/{first['user_id']}/forget", headers=admin)
    assert again.status_code == 200
    assert again.json == {**first, "already_erased": True, "changed": {}}


@pytest.mark.parametrize("role", ["hr", "manager", "employee", "rollout_lead"])
def test_only_an_admin_may_forget(people, client, make_token, role):
    scope = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}.get(role, {})
    response = client.post(f"{API}/E002/forget", headers=make_token(role, **scope))
    assert response.status_code == 403


def test_forgetting_an_unknown_person_is_404(people, client, make_token):
    response = client.post(f"{API}/NOPE/forget", headers=make_token("admin"))
    assert response.status_code == 404
    assert response.json["error"]["details"] == {"user_id": "NOPE"}


def test_cli_forgets_with_yes_and_prints_the_apis_json(people, runner, session):
    result = runner.invoke(main, ["employees", "forget", "e001", "--yes"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["user_id"].startswith("erased-") and body["changed"]["events_deleted"] == 1
    session.rollback()
    names = set(session.scalars(select(Employee.display_name)))
    assert names == {body["display_name"], "Bert Muster"}


def test_cli_asks_first_and_a_no_changes_nothing(people, runner, session):
    result = runner.invoke(main, ["employees", "forget", "E001"], input="n\n")
    assert result.exit_code == 1  # click's Abort
    session.rollback()
    assert set(session.scalars(select(Employee.display_name))) == {"Anna Beispiel", "Bert Muster"}
