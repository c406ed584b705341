"""Probing ids tells a scoped role nothing (docs/privacy.md): a manager or employee asking for a
person out of reach gets exactly the answer of an id that does not exist (404), and for a site
out of reach exactly the answer of a code that does not exist (403).

Each test makes the same request twice: once while the person or site exists elsewhere, then
after renaming it away so that the very same id is unknown. The two answers must be identical,
byte for byte. (The original leak: 403 with the person's `site_id` for a known id, 404 for an
unknown one.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from adoption.identity import credentials
from adoption.models import Employee, Site
from tests.web.conftest import PASSWORD, log_in

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PERSON = [
    "/api/v1/employees/{}",
    "/api/v1/employees/{}/proficiency",
    "/api/v1/employees/{}/history",
    "/api/v1/employees/{}/progress",
    "/api/v1/employees/{}/badges",
]
SITE = [
    "/api/v1/sites/{}",
    "/api/v1/employees?site_id={}",
    "/api/v1/adoption/sites?site_id={}",
    "/api/v1/adoption/sites/{}/series",
    "/api/v1/adoption/insights?site_id={}",
    "/api/v1/sites/{}/coaching",
    "/api/v1/sites/{}/team",
    "/api/v1/leaderboards?scope=site:{}&period=all",
]


@pytest.fixture
def chain(make_site, make_employee, make_token):
    """S001 with E001 and E002, S002 with E003; a manager of S001 and the employee E001."""
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001")
    make_employee("E002", "S001")
    make_employee("E003", "S002")
    return {
        "manager": make_token("manager", sites=["S001"]),
        "employee": make_token("employee", user_id="E001"),
        "hr": make_token("hr"),
    }


def vanish_person(session, user_id: str) -> None:
    key = user_id.casefold()
    session.execute(
        update(Employee)
        .where(Employee.external_key == key)
        .values(external_id=f"gone-{user_id}", external_key=f"gone-{key}")
    )
    session.commit()


def vanish_site(session, code: str) -> None:
    key = code.casefold()
    session.execute(
        update(Site).where(Site.code_key == key).values(code=f"gone-{code}", code_key=f"gone-{key}")
    )
    session.commit()


def answer(response) -> tuple:
    return response.status_code, response.headers.get("Content-Type"), response.data


@pytest.mark.parametrize("template", PERSON)
@pytest.mark.parametrize(
    ("who", "asked", "stored"),
    [
        ("manager", "E003", "E003"),  # another store's person
        (
            "manager",
            "e003",
            "E003",
        ),  # asked in another case: the answer still echoes what was asked
        ("employee", "E003", "E003"),
        ("employee", "E002", "E002"),  # a colleague at the same store
    ],
)
def test_a_person_out_of_reach_answers_exactly_as_an_unknown_id(
    chain, client, session, template, who, asked, stored
):
    path = template.format(asked)
    hidden = client.get(path, headers=chain[who])
    vanish_person(session, stored)
    unknown = client.get(path, headers=chain[who])
    assert hidden.status_code == 404
    assert answer(hidden) == answer(unknown)
    assert b"S002" not in hidden.data and b"site_id" not in hidden.data


@pytest.mark.parametrize("template", SITE)
@pytest.mark.parametrize("who", ["manager", "employee"])
@pytest.mark.parametrize("asked", ["S002", "s002"])
def test_a_site_out_of_reach_answers_exactly_as_an_unknown_code(
    chain, client, session, template, who, asked
):
    path = template.format(asked)
    hidden = client.get(path, headers=chain[who])
    vanish_site(session, "S002")
    unknown = client.get(path, headers=chain[who])
    assert hidden.status_code == 403
    assert answer(hidden) == answer(unknown)


def test_the_site_board_page_is_the_same_403_for_an_unknown_site(chain, client, session):
    credentials.create_account(
        session, username="manager-web", role="manager", now=NOW, sites=["S001"], password=PASSWORD
    )
    session.commit()
    assert log_in(client, "manager-web").status_code == 302
    hidden = client.get("/sites/S002/leaderboard")
    vanish_site(session, "S002")
    unknown = client.get("/sites/S002/leaderboard")
    assert hidden.status_code == 403
    assert answer(hidden) == answer(unknown)


@pytest.mark.parametrize("template", PERSON)
def test_hr_still_reads_anyone_and_gets_404_only_for_unknown_ids(chain, client, template):
    assert client.get(template.format("E003"), headers=chain["hr"]).status_code == 200
    assert client.get(template.format("NOPE"), headers=chain["hr"]).status_code == 404


def test_a_manager_still_reads_its_own_people(chain, client):
    assert client.get("/api/v1/employees/E002", headers=chain["manager"]).status_code == 200
    assert (
        client.get("/api/v1/employees/e001/progress", headers=chain["employee"]).status_code == 200
    )
