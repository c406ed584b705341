"""PUT /features/{action} maps by the same rule as the admin page
(`feature_records.map_feature`): an omitted points field is 1 on create and kept on replace; an
unknown alias_of is refused.
GET /employees?rostered= filters by HR's roster."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.models import Feature
from tests.helpers import event

FEATURES = "/api/v1/features"
EMPLOYEES = "/api/v1/employees"


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="admin")


def stored(session) -> list[tuple]:
    session.rollback()
    return session.execute(select(Feature.action, Feature.points).order_by(Feature.action)).all()


def test_points_omitted_is_1_on_create_and_kept_on_replace(client, admin, session):
    assert client.put(f"{FEATURES}/pos.giftcard", json={}, headers=admin).json["points"] == 1
    client.put(f"{FEATURES}/pos.giftcard", json={"points": 4}, headers=admin)
    response = client.put(f"{FEATURES}/pos.giftcard", json={"daily_cap": 2}, headers=admin)
    assert (response.status_code, response.json["points"]) == (200, 4)


def test_mapping_an_action_seen_in_events_without_points_gives_it_1(
    client, admin, make_site, make_employee, send_events
):
    make_site("S001")
    make_employee("E001", "S001")
    send_events([event(1, action="pos.giftcard")])  # registered unmapped, 0 points
    response = client.put(f"{FEATURES}/pos.giftcard", json={"is_core": True}, headers=admin)
    assert (response.status_code, response.json["points"], response.json["mapped"]) == (
        200,
        1,
        True,
    )


def test_alias_of_an_unknown_action_is_422_naming_alias_of_and_maps_nothing(client, admin, session):
    client.put(f"{FEATURES}/pos.giftcard", json={}, headers=admin)
    response = client.put(
        f"{FEATURES}/pos.giftcard.v2", json={"alias_of": "pos.giftcrad"}, headers=admin
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == {"alias_of": ["No feature 'pos.giftcrad'."]}
    assert stored(session) == [("pos.giftcard", 1)]


def test_alias_of_a_known_action_maps(client, admin):
    client.put(f"{FEATURES}/pos.giftcard", json={}, headers=admin)
    response = client.put(
        f"{FEATURES}/pos.giftcard.v2", json={"alias_of": "POS.Giftcard"}, headers=admin
    )
    assert (response.status_code, response.json["alias_of"]) == (201, "pos.giftcard")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", ["E001", "U404"]), ("?rostered=true", ["E001"]), ("?rostered=false", ["U404"])],
)
def test_employee_list_filters_by_roster(
    client, make_site, make_employee, send_events, make_token, query, expected
):
    make_site("S001")
    make_employee("E001", "S001")
    send_events([event(1, user_id="U404")])  # known from events only: not rostered
    hr = make_token("hr", name="hr")
    response = client.get(f"{EMPLOYEES}{query}", headers=hr)
    assert response.status_code == 200
    assert [e["user_id"] for e in response.json] == expected
    assert all(e["rostered"] == (e["user_id"] == "E001") for e in response.json)
