"""Rollout waves over HTTP (GET/PUT /api/v1/waves/{n}, GET /api/v1/waves): create, replace,
membership, canary sites, paging, audit and who may call them (sites: tests.pilots.waves_world).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from adoption.models import AuditLog, Site
from tests.pilots.waves_world import CODES, in_canary_order, ten_sites

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SCOPE = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("api.http.waves.utcnow", lambda: NOW)


@pytest.fixture
def chain(make_site):
    ten_sites(make_site)


@pytest.fixture
def lead(make_token):
    return make_token("rollout_lead", name="lead")


@pytest.fixture
def put(client, lead):
    def call(n, body):
        return client.put(f"/api/v1/waves/{n}", json=body, headers=lead)

    return call


@pytest.fixture
def get(client, lead):
    def call(n):
        return client.get(f"/api/v1/waves/{n}", headers=lead)

    return call


def waves_of(session) -> dict[str, int | None]:
    session.rollback()  # see what the request committed
    return {s.code: s.wave for s in session.scalars(select(Site).order_by(Site.code_key))}


def test_put_creates_a_wave_with_201_and_assigns_its_sites(chain, put, session):
    response = put(2, {"sites": ["S001", "s003"], "planned_go_live_on": "2026-12-07"})
    assert response.status_code == 201
    assert response.json == {
        "wave": 2,
        "name": None,
        "planned_go_live_on": "2026-12-07",
        "canary_share": None,
        "canary_sites": None,
        "sites": ["S001", "S003"],
        "notes": None,
        "status": "planned",
        "sites_live": 0,
        "first_go_live_on": None,
        "full_go_live_on": None,
    }
    assert {c: w for c, w in waves_of(session).items() if w is not None} == {"S001": 2, "S003": 2}


def test_put_again_replaces_with_200_and_keeps_omitted_fields(chain, put, get):
    put(2, {"sites": ["S001"], "planned_go_live_on": "2026-12-07", "name": "North"})
    response = put(2, {"planned_go_live_on": "2026-12-14"})
    assert response.status_code == 200
    body = get(2).json
    assert (body["planned_go_live_on"], body["name"], body["sites"]) == (
        "2026-12-14",
        "North",
        ["S001"],
    )


def test_sites_replace_the_membership_and_move_sites_out_of_other_waves(chain, put, session):
    put(1, {"sites": ["S001", "S002"]})
    put(2, {"sites": ["S003", "S004"]})
    put(2, {"sites": ["S002", "S004"]})  # S002 leaves wave 1, S003 leaves wave 2
    waves = waves_of(session)
    assert (waves["S001"], waves["S002"], waves["S003"], waves["S004"]) == (1, 2, None, 2)


def test_unknown_site_is_422_naming_it_and_changes_nothing(chain, put, session):
    response = put(2, {"sites": ["S001", "S999"]})
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"sites": ["Unknown site 'S999'."]}
    assert set(waves_of(session).values()) == {None}


@pytest.mark.parametrize("share", [0, 1.5, -0.1, "half"])
def test_canary_share_outside_0_to_1_is_422(chain, put, share):
    response = put(2, {"canary_share": share})
    assert response.status_code == 422
    assert "canary_share" in response.json["error"]["details"]


def test_the_api_says_the_domain_rule(chain, put):
    response = put(2, {"canary_share": 1.5})
    details = response.json["error"]["details"]
    assert details == {"canary_share": ["Must be greater than 0 and at most 1."]}


def test_planned_go_live_does_not_overwrite_a_sites_go_live(make_site, put, session):
    make_site("S001", go_live_on=date(2026, 12, 1))
    put(2, {"sites": ["S001"], "planned_go_live_on": "2026-12-07"})
    session.rollback()
    assert session.scalar(select(Site.go_live_on)) == date(2026, 12, 1)


def test_canaries_are_the_first_sites_in_the_seeded_order(chain, put):
    body = put(3, {"sites": CODES, "canary_share": 0.3}).json
    # ceil(0.3 × 10) = 3 (not 4, although 0.3 × 10 = 3.0000000000000004 in floats)
    assert body["canary_sites"] == sorted(in_canary_order(3, CODES)[:3])


def test_canary_selection_is_the_same_for_the_same_wave_and_sites(chain, put):
    first = put(3, {"sites": CODES, "canary_share": 0.3}).json["canary_sites"]
    put(3, {"sites": []})
    again = put(3, {"sites": CODES}).json["canary_sites"]
    assert again == first


def test_canaries_are_kept_when_the_share_is_unchanged_and_sites_join(chain, put):
    before = put(3, {"sites": CODES[:5], "canary_share": 0.4}).json["canary_sites"]
    after = put(3, {"sites": CODES, "name": "All"}).json["canary_sites"]
    # ceil(0.4 × 5) = 2 canaries, then ceil(0.4 × 10) = 4: the first 2 stay, 2 are added
    assert (len(before), len(after)) == (2, 4)
    assert set(before) <= set(after)


def test_a_larger_share_keeps_the_chosen_canaries(chain, put):
    before = put(3, {"sites": CODES, "canary_share": 0.1}).json["canary_sites"]
    after = put(3, {"canary_share": 0.5}).json["canary_sites"]
    assert len(before) == 1 and len(after) == 5 and set(before) <= set(after)


def test_get_unknown_wave_is_404(chain, get):
    response = get(7)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_wave_number_carried_by_sites_is_a_wave_without_a_plan(make_site, get, client, lead):
    make_site("S001", wave=4)
    assert get(4).json["sites"] == ["S001"]
    listed = client.get("/api/v1/waves", headers=lead).json
    assert [(w["wave"], w["planned_go_live_on"], w["sites"]) for w in listed] == [
        (4, None, ["S001"])
    ]


def test_wave_list_pages_by_number(chain, put, client, lead):
    for n in (1, 2, 3):
        put(n, {"sites": [CODES[n]]})
    first = client.get("/api/v1/waves?limit=2", headers=lead)
    assert [w["wave"] for w in first.json] == [1, 2]
    link = first.headers["Link"].split(";")[0].strip("<>")
    assert [w["wave"] for w in client.get(link, headers=lead).json] == [3]


def test_put_wave_is_audited(chain, put, session):
    put(2, {"sites": ["S001"], "canary_share": 1})
    session.rollback()
    row = session.scalar(select(AuditLog).where(AuditLog.action == "wave.put"))
    assert (row.actor, row.target, row.details["sites_added"], row.details["canary_sites"]) == (
        "lead",
        "2",
        ["S001"],
        ["S001"],
    )


@pytest.mark.parametrize("role", ["manager", "hr", "employee", "ingest"])
def test_other_roles_get_403_on_waves(chain, client, make_token, make_employee, role):
    make_employee("E001", "S001")
    headers = make_token(role, name=f"{role}-t", **SCOPE.get(role, {}))
    assert client.get("/api/v1/waves/1", headers=headers).status_code == 403
    assert client.put("/api/v1/waves/1", json={}, headers=headers).status_code == 403


def test_a_wave_number_beyond_the_column_is_422_naming_it_on_get_and_put(put, get):
    response = get(2**31)
    assert (response.status_code, list(response.json["error"]["details"])) == (422, ["n"])
    assert put(2**31, {"name": "Far"}).status_code == 422


def test_get_shows_the_status_and_go_live_dates_of_the_sites(make_site, put, get):
    make_site("S001", go_live_on=date(2026, 11, 2))
    make_site("S002", go_live_on=date(2026, 11, 16))
    make_site("S003", go_live_on=date(2026, 12, 7))  # after NOW (2026-11-20): not live yet
    put(2, {"sites": ["S001", "S002", "S003"], "planned_go_live_on": "2026-11-02"})
    body = get(2).json
    assert (body["status"], body["sites_live"], body["first_go_live_on"]) == (
        "partly_live",
        2,
        "2026-11-02",
    )
    assert body["full_go_live_on"] is None
