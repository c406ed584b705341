"""Sites, employees and features over HTTP: every rule of CONTRACT.md "Master data"."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from sqlalchemy import select

from adoption.masterdata import feature_records
from adoption.models import AuditLog, DailyUsage, Event, Feature
from api import create_app
from tests.conftest import NOW
from tests.helpers import event

SITES = "/api/v1/sites"
EMPLOYEES = "/api/v1/employees"
FEATURES = "/api/v1/features"
NEXT_LINK = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="admin")


@pytest.fixture
def two_sites(make_site, make_employee):
    """S001 with E001 and E002, S002 with E003."""
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001")
    make_employee("E002", "S001")
    make_employee("E003", "S002")


def error_of(response) -> dict:
    return response.json["error"]


def fresh(session):
    """End the test session's read transaction so it sees what requests committed since."""
    session.rollback()
    return session


def rollups(session) -> list[tuple[str, date, int]]:
    fresh(session)
    rows = session.execute(
        select(Feature.action, DailyUsage.local_day, DailyUsage.successes)
        .join(Feature, Feature.id == DailyUsage.feature_id)
        .order_by(Feature.action, DailyUsage.local_day)
    )
    return [tuple(row) for row in rows]


# --- sites ---------------------------------------------------------------------------------------


def test_put_site_creates_with_contract_defaults(client, admin):
    response = client.put(f"{SITES}/S001", json={"name": "Main Street"}, headers=admin)
    assert response.status_code == 201
    assert response.json == {
        "site_id": "S001",
        "name": "Main Street",
        "region": None,
        "timezone": "UTC",  # UPTAKE_TIMEZONE is not set: its default
        "is_pilot": False,
        "wave": None,
        "go_live_on": None,
        "program_started_on": None,
    }


def test_new_site_takes_the_configured_default_timezone(settings, make_token):
    app = create_app(dataclasses.replace(settings, default_timezone="Europe/Berlin"))
    try:
        response = app.test_client().put(
            f"{SITES}/S001", json={"name": "Main"}, headers=make_token("admin")
        )
        assert response.json["timezone"] == "Europe/Berlin"
    finally:
        app.extensions["uptake"].engine.dispose()


def test_put_site_replaces_and_keeps_omitted_fields(client, admin):
    client.put(
        f"{SITES}/S001",
        json={"name": "Main", "region": "North", "is_pilot": True, "go_live_on": "2026-03-01"},
        headers=admin,
    )
    response = client.put(f"{SITES}/S001", json={"name": "Main Street", "wave": 2}, headers=admin)
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["wave"]) == ("Main Street", 2)
    assert (body["region"], body["is_pilot"], body["go_live_on"]) == ("North", True, "2026-03-01")


def test_put_site_can_clear_a_nullable_field_with_null(client, admin):
    client.put(f"{SITES}/S001", json={"name": "Main", "region": "North"}, headers=admin)
    response = client.put(f"{SITES}/S001", json={"region": None}, headers=admin)
    assert response.json["region"] is None


def test_put_site_without_name_on_create_is_422_naming_name(client, admin):
    response = client.put(f"{SITES}/S001", json={"region": "North"}, headers=admin)
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"
    assert list(error_of(response)["details"]) == ["name"]


def test_put_site_with_unknown_field_is_422_naming_it(client, admin):
    response = client.put(f"{SITES}/S001", json={"name": "Main", "colour": "red"}, headers=admin)
    assert response.status_code == 422
    assert error_of(response)["details"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "Europe", "", "utc "])
def test_put_site_with_unknown_timezone_is_422(client, admin, timezone):
    # "Europe" is a directory of the zone database, not a zone.
    response = client.put(f"{SITES}/S001", json={"name": "M", "timezone": timezone}, headers=admin)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["timezone"]


def test_site_code_matches_case_insensitively_and_is_stored_as_first_seen(client, admin):
    client.put(f"{SITES}/s001", json={"name": "Main"}, headers=admin)
    again = client.put(f"{SITES}/ S001 ", json={"region": "North"}, headers=admin)
    assert again.status_code == 200  # the same site, replaced
    response = client.get(f"{SITES}/S001", headers=admin)
    assert response.json["site_id"] == "s001"
    assert response.json["region"] == "North"


def test_site_code_longer_than_64_characters_is_422(client, admin):
    response = client.put(f"{SITES}/{'S' * 65}", json={"name": "Main"}, headers=admin)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["site_id"]


def test_unknown_site_is_404(client, admin):
    response = client.get(f"{SITES}/S404", headers=admin)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_master_data_without_a_token_is_401(client, make_site):
    make_site("S001")
    response = client.get(f"{SITES}/S001")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_changed_site_timezone_moves_local_days_and_rollups_and_is_audited(
    make_site, make_employee, send_events, client, admin, session
):
    make_site("S001", "UTC")
    make_employee("E001", "S001")
    send_events(
        [
            event(1, occurred_at="2026-11-02T23:30:00Z"),  # 00:30 on the 3rd in Berlin (UTC+1)
            event(2, occurred_at="2026-11-02T12:00:00Z"),  # 13:00 on the 2nd in Berlin
        ]
    )
    assert rollups(session) == [("pos.sale.complete", date(2026, 11, 2), 2)]
    response = client.put(f"{SITES}/S001", json={"timezone": "Europe/Berlin"}, headers=admin)
    assert response.status_code == 200
    stmt = select(Event.event_id, Event.local_day).order_by(Event.event_id)
    days = fresh(session).execute(stmt).all()
    assert days == [("e-1", date(2026, 11, 3)), ("e-2", date(2026, 11, 2))]
    assert rollups(session) == [
        ("pos.sale.complete", date(2026, 11, 2), 1),
        ("pos.sale.complete", date(2026, 11, 3), 1),
    ]
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "site.timezone"))
    assert (audit.actor, audit.target) == ("admin", "S001")
    assert audit.details == {"from": "UTC", "to": "Europe/Berlin", "events_moved": 1}


def test_unchanged_site_timezone_writes_no_audit_row(make_site, client, admin, session):
    make_site("S001", "Europe/Berlin")
    client.put(f"{SITES}/S001", json={"timezone": "Europe/Berlin"}, headers=admin)
    assert fresh(session).scalar(select(AuditLog).where(AuditLog.action == "site.timezone")) is None


# --- employees -----------------------------------------------------------------------------------


def test_put_employee_creates_with_contract_defaults(make_site, client, admin):
    make_site("S001")
    response = client.put(
        f"{EMPLOYEES}/E001", json={"display_name": "Ada", "site_id": "s001"}, headers=admin
    )
    assert response.status_code == 201
    assert response.json == {
        "user_id": "E001",
        "display_name": "Ada",
        "site_id": "S001",  # the site's stored code, not the spelling sent
        "role": "staff",
        "hired_on": None,
        "left_on": None,
        "rostered": True,
        "public_opt_out": False,
    }


def test_put_employee_requires_display_name_and_site_on_create(make_site, client, admin):
    make_site("S001")
    response = client.put(f"{EMPLOYEES}/E001", json={"role": "cashier"}, headers=admin)
    assert response.status_code == 422
    assert sorted(error_of(response)["details"]) == ["display_name", "site_id"]


def test_put_employee_of_unknown_site_is_422(make_site, client, admin):
    make_site("S001")
    response = client.put(
        f"{EMPLOYEES}/E001", json={"display_name": "Ada", "site_id": "S999"}, headers=admin
    )
    assert response.status_code == 422
    assert error_of(response)["details"] == {"site_id": ["Unknown site 'S999'."]}


def test_put_employee_of_unknown_site_leaves_nothing_behind(make_site, client, admin):
    make_site("S001")
    client.put(f"{EMPLOYEES}/E001", json={"display_name": "Ada", "site_id": "S9"}, headers=admin)
    response = client.put(
        f"{EMPLOYEES}/E002", json={"display_name": "Bo", "site_id": "S001"}, headers=admin
    )
    assert response.status_code == 201
    assert client.get(f"{EMPLOYEES}/E001", headers=admin).status_code == 404


def test_put_employee_keeps_a_stored_opt_out_when_omitted(make_site, make_employee, client, admin):
    make_site("S001")
    make_employee("E001", "S001", public_opt_out=True)
    response = client.put(
        f"{EMPLOYEES}/E001", json={"display_name": "Ada L.", "site_id": "S001"}, headers=admin
    )
    assert response.status_code == 200
    assert response.json["public_opt_out"] is True
    assert response.json["display_name"] == "Ada L."


def test_put_employee_moving_home_site_answers_the_new_site(two_sites, client, admin):
    response = client.put(f"{EMPLOYEES}/E001", json={"site_id": "S002"}, headers=admin)
    assert response.json["site_id"] == "S002"
    assert client.get(f"{EMPLOYEES}/E001", headers=admin).json["site_id"] == "S002"


def test_put_employee_left_before_hired_is_422(make_site, client, admin):
    make_site("S001")
    body = {"display_name": "Ada", "site_id": "S001", "hired_on": "2026-03-01"}
    response = client.put(
        f"{EMPLOYEES}/E001", json={**body, "left_on": "2026-02-28"}, headers=admin
    )
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["left_on"]


def test_user_id_matches_case_insensitively_and_is_stored_as_first_seen(make_site, client, admin):
    make_site("S001")
    client.put(f"{EMPLOYEES}/ab-7", json={"display_name": "Ada", "site_id": "S001"}, headers=admin)
    response = client.get(f"{EMPLOYEES}/AB-7", headers=admin)
    assert response.json["user_id"] == "ab-7"


def test_put_on_an_unrostered_employee_makes_it_rostered(make_site, send_events, client, admin):
    make_site("S001")
    send_events([event(1, user_id="NEW-1")])  # first seen in an event: unrostered
    assert client.get(f"{EMPLOYEES}/NEW-1", headers=admin).json["rostered"] is False
    response = client.put(f"{EMPLOYEES}/new-1", json={"display_name": "Newt"}, headers=admin)
    assert response.status_code == 200
    assert (response.json["rostered"], response.json["user_id"]) == (True, "NEW-1")


# --- features ------------------------------------------------------------------------------------


def test_put_feature_creates_with_contract_defaults(client, admin):
    response = client.put(f"{FEATURES}/POS.Refund.Partial", json={}, headers=admin)
    assert response.status_code == 201
    assert response.json == {
        "action": "pos.refund.partial",  # action keys are lower-cased
        "module": "pos",  # the first dotted part
        "is_core": False,
        "expected_ms": None,
        "points": 1,
        "daily_cap": None,
        "alias_of": None,
        "mapped": True,
        "title": None,
        "quick_reference_url": None,
        "titles": None,
    }


def test_feature_action_is_matched_lower_cased(client, admin):
    client.put(f"{FEATURES}/pos.refund", json={"points": 3}, headers=admin)
    response = client.put(f"{FEATURES}/ POS.REFUND ", json={"is_core": True}, headers=admin)
    assert response.status_code == 200
    got = client.get(f"{FEATURES}/Pos.Refund", headers=admin).json
    assert (got["action"], got["points"], got["is_core"]) == ("pos.refund", 3, True)


def test_put_feature_with_unknown_field_is_422_naming_it(client, admin):
    response = client.put(f"{FEATURES}/pos.refund", json={"pts": 3}, headers=admin)
    assert response.status_code == 422
    assert error_of(response)["details"] == {"pts": ["Unknown field."]}


def test_feature_cannot_alias_itself(client, admin):
    response = client.put(f"{FEATURES}/pos.refund", json={"alias_of": "POS.Refund"}, headers=admin)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["alias_of"]


def test_unmapped_features_are_listed_and_a_put_maps_them(
    make_site, make_employee, send_events, client, admin
):
    make_site("S001")
    make_employee("E001", "S001")
    client.put(f"{FEATURES}/pos.sale.complete", json={"is_core": True}, headers=admin)
    send_events([event(1), event(2, action="pos.gift.card")])
    unmapped = client.get(f"{FEATURES}?unmapped=true", headers=admin).json
    assert [f["action"] for f in unmapped] == ["pos.gift.card"]
    assert client.put(f"{FEATURES}/pos.gift.card", json={"points": 2}, headers=admin).json["mapped"]
    assert client.get(f"{FEATURES}?unmapped=true", headers=admin).json == []


def test_changing_alias_of_moves_rollups_under_the_canonical_feature(
    make_site, make_employee, send_events, client, admin, session
):
    make_site("S001")
    make_employee("E001", "S001")
    send_events(
        [
            event(1, action="pos.refund", occurred_at="2026-11-02T10:00:00Z"),
            event(2, action="pos.refund.v2", occurred_at="2026-11-02T10:00:00Z"),
        ]
    )
    day = date(2026, 11, 2)
    assert rollups(session) == [("pos.refund", day, 1), ("pos.refund.v2", day, 1)]
    response = client.put(
        f"{FEATURES}/pos.refund.v2", json={"alias_of": "POS.Refund"}, headers=admin
    )
    assert response.json["alias_of"] == "pos.refund"
    assert rollups(session) == [("pos.refund", day, 2)]  # 1 + 1 under the canonical feature


def test_clearing_alias_of_moves_rollups_back(
    make_site, make_employee, send_events, client, admin, session
):
    make_site("S001")
    make_employee("E001", "S001")
    client.put(f"{FEATURES}/pos.refund", json={}, headers=admin)
    client.put(f"{FEATURES}/pos.refund.v2", json={"alias_of": "pos.refund"}, headers=admin)
    send_events(
        [
            event(1, action="pos.refund", occurred_at="2026-11-02T10:00:00Z"),
            event(2, action="pos.refund.v2", occurred_at="2026-11-02T10:00:00Z"),
        ]
    )
    client.put(f"{FEATURES}/pos.refund.v2", json={"alias_of": None}, headers=admin)
    day = date(2026, 11, 2)
    assert rollups(session) == [("pos.refund", day, 1), ("pos.refund.v2", day, 1)]


def test_creating_the_target_of_a_dangling_alias_moves_its_rollups(
    make_site, make_employee, send_events, client, admin, session
):
    make_site("S001")
    make_employee("E001", "S001")
    # A catalog import may alias an action defined later (PUT refuses an unknown alias_of).
    feature_records.put_feature(session, "pos.refund.v2", {"alias_of": "pos.refund"}, now=NOW)
    session.commit()
    send_events([event(1, action="pos.refund.v2", occurred_at="2026-11-02T10:00:00Z")])
    # pos.refund does not exist yet: the alias dangles and v2 counts as itself.
    assert rollups(session) == [("pos.refund.v2", date(2026, 11, 2), 1)]
    client.put(f"{FEATURES}/pos.refund", json={"is_core": True}, headers=admin)
    assert rollups(session) == [("pos.refund", date(2026, 11, 2), 1)]


# --- lists and pagination ------------------------------------------------------------------------


def test_site_list_follows_link_headers_through_every_page_once(make_site, client, admin):
    for n in (3, 1, 5, 2, 4):
        make_site(f"S00{n}")
    seen, pages = [], 0
    url = f"{SITES}?limit=2"
    while url:
        response = client.get(url, headers=admin)
        pages += 1
        seen += [s["site_id"] for s in response.json]
        link = response.headers.get("Link")
        url = NEXT_LINK.match(link).group(1) if link else None
    # 5 sites at 2 a page: 2 + 2 + 1, the short last page has no next link.
    assert pages == 3
    assert seen == ["S001", "S002", "S003", "S004", "S005"]


def test_employee_list_pages_stay_within_the_site_asked_for(
    two_sites, make_employee, client, admin
):
    make_employee("E004", "S001")
    first = client.get(f"{EMPLOYEES}?site_id=S001&limit=2", headers=admin)
    link = NEXT_LINK.match(first.headers["Link"]).group(1)
    assert "site_id=S001" in link
    second = client.get(link, headers=admin)
    # S001 has E001, E002, E004: 2 on the first page, 1 on the second; E003 is at S002.
    assert [e["user_id"] for e in first.json + second.json] == ["E001", "E002", "E004"]
    assert "Link" not in second.headers


def test_feature_list_pages_in_action_order(client, admin):
    for action in ("pos.void", "inv.count", "pos.refund"):
        client.put(f"{FEATURES}/{action}", json={}, headers=admin)
    first = client.get(f"{FEATURES}?limit=2", headers=admin)
    second = client.get(NEXT_LINK.match(first.headers["Link"]).group(1), headers=admin)
    assert [f["action"] for f in first.json] == ["inv.count", "pos.refund"]
    assert [f["action"] for f in second.json] == ["pos.void"]


def test_list_default_limit_is_100(make_site, client, admin):
    make_site("S001")
    response = client.get(SITES, headers=admin)
    assert response.status_code == 200 and "Link" not in response.headers


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_list_limit_outside_1_to_1000_is_422(client, admin, limit):
    response = client.get(f"{SITES}?limit={limit}", headers=admin)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["limit"]


def test_list_with_a_garbled_cursor_is_422(client, admin):
    response = client.get(f"{SITES}?cursor=%%%", headers=admin)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["cursor"]


# --- roles ---------------------------------------------------------------------------------------


def test_manager_lists_only_its_sites(two_sites, make_site, client, make_token):
    make_site("S003")
    manager = make_token("manager", sites=["S001", "S003"])
    response = client.get(SITES, headers=manager)
    assert [s["site_id"] for s in response.json] == ["S001", "S003"]


def test_manager_gets_403_on_another_sites_item(two_sites, client, make_token):
    manager = make_token("manager", sites=["S001"])
    assert client.get(f"{SITES}/S001", headers=manager).status_code == 200
    response = client.get(f"{SITES}/S002", headers=manager)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_manager_gets_404_on_another_sites_employee(two_sites, client, make_token):
    manager = make_token("manager", sites=["S001"])
    assert client.get(f"{EMPLOYEES}/E001", headers=manager).status_code == 200
    assert client.get(f"{EMPLOYEES}/E003", headers=manager).status_code == 404  # as if unknown
    assert client.get(f"{EMPLOYEES}?site_id=S002", headers=manager).status_code == 403


def test_manager_lists_only_employees_of_its_sites(two_sites, client, make_token):
    manager = make_token("manager", sites=["S001"])
    response = client.get(EMPLOYEES, headers=manager)
    assert [e["user_id"] for e in response.json] == ["E001", "E002"]


def test_manager_cannot_put_master_data(two_sites, client, make_token):
    manager = make_token("manager", sites=["S001"])
    response = client.put(f"{SITES}/S001", json={"name": "Mine"}, headers=manager)
    assert response.status_code == 403


def test_employee_reads_itself_but_not_a_colleague(two_sites, client, make_token):
    me = make_token("employee", user_id="E002")
    assert client.get(f"{EMPLOYEES}/e002", headers=me).json["user_id"] == "E002"
    assert client.get(f"{EMPLOYEES}/E001", headers=me).status_code == 404  # same site


def test_employee_list_holds_only_itself_on_every_page(two_sites, client, make_token):
    me = make_token("employee", user_id="E002")
    response = client.get(f"{EMPLOYEES}?limit=1", headers=me)
    # E001 sorts first at the same site; with one row a page it must still not hide E002.
    assert [e["user_id"] for e in response.json] == ["E002"]


def test_employee_reads_its_home_site_only(two_sites, client, make_token):
    me = make_token("employee", user_id="E001")
    assert client.get(f"{SITES}/S001", headers=me).status_code == 200
    assert client.get(f"{SITES}/S002", headers=me).status_code == 403
    assert [s["site_id"] for s in client.get(SITES, headers=me).json] == ["S001"]


def test_rollout_lead_may_plan_the_rollout_of_a_site(make_site, client, make_token):
    make_site("S001")
    lead = make_token("rollout_lead")
    plan = {"is_pilot": True, "wave": 1, "go_live_on": "2026-03-01", "program_started_on": None}
    response = client.put(f"{SITES}/S001", json=plan, headers=lead)
    assert response.status_code == 200
    assert {k: response.json[k] for k in plan} == plan


@pytest.mark.parametrize(
    "body", [{"name": "Renamed"}, {"timezone": "Europe/Berlin"}, {"wave": 1, "region": "South"}]
)
def test_rollout_lead_gets_403_changing_other_site_fields(make_site, client, make_token, body):
    make_site("S001")
    response = client.put(f"{SITES}/S001", json=body, headers=make_token("rollout_lead"))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_rollout_lead_gets_403_creating_a_site(client, make_token, admin):
    lead = make_token("rollout_lead")
    response = client.put(f"{SITES}/S009", json={"name": "New", "wave": 1}, headers=lead)
    assert response.status_code == 403
    assert client.get(f"{SITES}/S009", headers=admin).status_code == 404


def test_hr_reads_employees_but_gets_403_on_put(two_sites, client, make_token):
    hr = make_token("hr")
    assert [e["user_id"] for e in client.get(EMPLOYEES, headers=hr).json] == [
        "E001",
        "E002",
        "E003",
    ]
    response = client.put(f"{EMPLOYEES}/E001", json={"display_name": "X"}, headers=hr)
    assert response.status_code == 403


def test_ingest_token_cannot_read_master_data(two_sites, client, make_token):
    response = client.get(SITES, headers=make_token("ingest", name="pos"))
    assert response.status_code == 403


# --- audit: every master-data write names who changed what, before and after ----------------------


def put_audits(session, target_type: str) -> list[tuple[str, str, dict]]:
    rows = fresh(session).scalars(
        select(AuditLog).where(AuditLog.action == f"{target_type}.put").order_by(AuditLog.id)
    )
    return [(row.actor, row.target, row.details) for row in rows]


def test_put_site_is_audited_with_before_and_after(client, admin, session):
    client.put(f"{SITES}/S001", json={"name": "Main", "wave": 1}, headers=admin)
    body = {"name": "Main", "wave": 2, "go_live_on": "2026-11-02"}
    client.put(f"{SITES}/S001", json=body, headers=admin)
    created, changed = put_audits(session, "site")
    assert created[:2] == ("admin", "S001")
    assert created[2]["created"] is True
    assert created[2]["changes"]["wave"] == [None, 1]
    assert changed == (
        "admin",
        "S001",
        {"created": False, "changes": {"wave": [1, 2], "go_live_on": [None, "2026-11-02"]}},
    )


def test_put_employee_name_opt_out_and_home_site_are_audited(two_sites, client, admin, session):
    body = {"display_name": "Eve", "public_opt_out": True, "site_id": "s002"}
    assert client.put(f"{EMPLOYEES}/E001", json=body, headers=admin).status_code == 200
    [(actor, target, details)] = put_audits(session, "employee")[-1:]
    assert (actor, target) == ("admin", "E001")
    assert details == {
        "created": False,
        "changes": {
            "display_name": ["Person E001", "Eve"],
            "site_id": ["S001", "S002"],  # home sites by code
            "public_opt_out": [False, True],
        },
    }


def test_put_feature_points_and_cap_are_audited(client, admin, session):
    client.put(f"{FEATURES}/pos.refund", json={"points": 2}, headers=admin)
    client.put(f"{FEATURES}/pos.refund", json={"points": 5, "daily_cap": 20}, headers=admin)
    [*_, (actor, target, details)] = put_audits(session, "feature")
    assert (actor, target) == ("admin", "pos.refund")
    assert details == {"created": False, "changes": {"points": [2, 5], "daily_cap": [None, 20]}}


def test_a_put_that_changes_nothing_writes_no_audit_row(client, admin, session):
    client.put(f"{FEATURES}/pos.refund", json={"points": 2}, headers=admin)
    client.put(f"{FEATURES}/pos.refund", json={"points": 2}, headers=admin)
    assert len(put_audits(session, "feature")) == 1
