"""The champions and badges endpoints: roles, scoping, 409 month_not_over, 422, file downloads."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from adoption.models import AuditLog
from rewards.badges import award_badges
from tests.helpers import follow_links
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d, utc

BASE = f"/api/v1/champions/{OCT}"


@pytest.fixture
def month(session) -> Month:
    """S1 with E1 (October's champion, opted out of public boards) and S2 with E2."""
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1", public_opt_out=True).person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


@pytest.fixture
def hr(make_token) -> dict:
    return make_token("hr", name="hr-ann")


@pytest.fixture
def admin(make_token) -> dict:
    return make_token("admin", name="admin-al")


def test_hr_reads_the_draft_month_with_an_opted_out_champion_named(client, month, hr):
    body = client.get(BASE, headers=hr).json
    assert (body["month"], body["version"], body["status"]) == (OCT, 1, "draft")
    assert body["rules_version"] == "champions-1/scoring-1/ineligible=manager"
    assert body["champions"][0] == {
        "site_id": "S1",
        "user_id": "E1",
        "display_name": "Person E1",
        "points": 12,
        "score": 98.86,
        "rank_reason": "12 points, 5 active days, Expert (score 98.86); the only eligible employee",
    }
    assert body["champions"][1]["user_id"] is None


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("manager", {"sites": ["S1"]}),
        ("employee", {"user_id": "E1"}),
        ("rollout_lead", {}),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", BASE), ("POST", f"{BASE}/close"), ("GET", f"{BASE}/export?format=csv")],
)
def test_champions_are_403_for_other_roles(client, month, make_token, role, scope, method, path):
    headers = make_token(role, name=f"{role}-x", **scope)
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "October", "2026-10-01"])
def test_a_malformed_month_is_422(client, month, hr, bad):
    response = client.get(f"/api/v1/champions/{bad}", headers=hr)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "month" in response.json["error"]["details"]


def test_closing_twice_answers_200_with_the_same_closed_month(client, month, hr):
    first = client.post(f"{BASE}/close", headers=hr)
    again = client.post(f"{BASE}/close", headers=hr)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json == again.json
    assert (first.json["status"], first.json["closed_by"]) == ("closed", "hr-ann")


def test_closing_a_month_that_is_not_over_is_409_month_not_over(client, month, hr):
    response = client.post("/api/v1/champions/2099-01/close", headers=hr)
    assert response.status_code == 409
    error = response.json["error"]
    assert (error["code"], error["details"]["reason"]) == ("month_not_over", "month_not_over")


def test_only_an_admin_reopens_and_both_versions_stay_readable(client, month, hr, admin):
    client.post(f"{BASE}/close", headers=hr)
    assert client.post(f"{BASE}/reopen", headers=hr).status_code == 403
    reopened = client.post(f"{BASE}/reopen", json={"note": "late sales"}, headers=admin)
    assert (reopened.status_code, reopened.json["version"], reopened.json["status"]) == (
        200,
        2,
        "draft",
    )
    assert client.get(BASE, headers=hr).json["version"] == 2
    assert client.get(f"{BASE}?version=1", headers=hr).json["status"] == "closed"
    assert client.get(f"{BASE}?version=3", headers=hr).status_code == 404


def test_reopening_a_month_never_closed_is_409(client, month, admin):
    response = client.post(f"{BASE}/reopen", headers=admin)
    assert response.status_code == 409
    assert response.json["error"]["details"]["reason"] == "not_closed"


def test_csv_export_is_an_attachment_named_draft_and_audited(client, month, hr, session):
    response = client.get(f"{BASE}/export?format=csv", headers=hr)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="champions-2026-10-v1-DRAFT.csv"'
    )
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbfmonth,site_id,user_id")
    audited = session.scalars(select(AuditLog.action).where(AuditLog.action.like("champions.%")))
    assert audited.all() == ["champions.export"]


def test_xlsx_export_of_a_closed_month_opens_in_openpyxl(client, month, hr):
    client.post(f"{BASE}/close", headers=hr)
    response = client.get(f"{BASE}/export?format=xlsx", headers=hr)
    assert 'filename="champions-2026-10-v1.xlsx"' in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[1] == (OCT, "S1", "E1", "Person E1", 12, 98.86, rows[1][6], "closed", 1)


def test_an_unknown_export_format_is_422(client, month, hr):
    assert client.get(f"{BASE}/export?format=pdf", headers=hr).status_code == 422


@pytest.fixture
def badged(month, session) -> Month:
    award_badges(session, now=CLOSE_AT, as_of=d(31))
    session.commit()
    return month


@pytest.mark.parametrize(
    ("role", "scope", "user", "status"),
    [
        ("hr", {}, "E1", 200),
        ("employee", {"user_id": "E1"}, "E1", 200),
        ("employee", {"user_id": "E2"}, "E1", 404),
        ("manager", {"sites": ["S1"]}, "E1", 200),
        ("manager", {"sites": ["S2"]}, "E1", 404),
        ("rollout_lead", {}, "E1", 403),
    ],
)
def test_badges_are_for_hr_the_home_sites_manager_and_the_employee(
    client, badged, make_token, role, scope, user, status
):
    headers = make_token(role, name=f"{role}-x", **scope)
    response = client.get(f"/api/v1/employees/{user}/badges", headers=headers)
    assert response.status_code == status


def test_badges_list_what_was_awarded_with_evidence(client, badged, hr):
    body = client.get("/api/v1/employees/E1/badges", headers=hr).json
    # 10-10 … 10-14, 4 sales a day: the one core feature used on 10-10 (explorer); 20 attempts
    # and 98.86 on 10-14 (proficient and expert)
    assert [(b["badge"], b["awarded_on"]) for b in body] == [
        ("explorer", "2026-10-10"),
        ("expert", "2026-10-14"),
        ("proficient", "2026-10-14"),
    ]
    assert body[2]["evidence"] == {
        "proficient_since": "2026-10-14",
        "score": 98.86,
        "config_version": 1,
    }


@pytest.mark.parametrize(("limit", "sizes"), [(1, [1, 1, 1, 0]), (2, [2, 1]), (100, [3])])
def test_badges_page_by_award_day_and_badge_through_link_headers(client, badged, hr, limit, sizes):
    # expert and proficient share 10-14: the cursor is the (awarded_on, badge) pair, so a page
    # may end between them and the next one still starts at the right badge.
    pages = follow_links(client, f"/api/v1/employees/E1/badges?limit={limit}", hr)
    assert [len(page) for page in pages] == sizes
    assert [b["badge"] for page in pages for b in page] == ["explorer", "expert", "proficient"]


def test_a_badge_cursor_that_is_not_a_day_and_badge_is_422(client, badged, hr):
    response = client.get("/api/v1/employees/E1/badges?cursor=bm9uc2Vuc2U", headers=hr)
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == ["cursor"]
