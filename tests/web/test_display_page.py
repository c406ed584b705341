"""The store display page /display/<token> (no login) and the board page's display-link section.

S001 (UTC) in November 2026, the page clock at 2026-11-20 12:00 UTC: Thomas Taylor 30 points,
Tina Turner 20, Hidden Person (opted out) 10, and seven more people with none.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from adoption.masterdata import records
from rewards import ledger
from rewards.display import create_display, revoke_named
from rewards.models import BadgeAward
from rewards.points_config import create_points_rules
from tests.web.html import csrf_token, visible_text

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(session, make_site, make_employee, page_clock):
    make_site("S001")
    make_site("S002")
    make_employee("E01", "S001", display_name="Thomas Taylor")
    make_employee("E02", "S001", display_name="Tina Turner")
    make_employee("E03", "S001", display_name="Hidden Person", public_opt_out=True)
    for n in range(4, 11):
        make_employee(f"E{n:02d}", "S001", display_name=f"Person Number{n}")
    for user, points in (("E01", 30), ("E02", 20), ("E03", 10)):
        emp = records.get_employee(session, user)
        row = {
            "employee_id": emp.id,
            "site_id": emp.site_id,
            "feature_id": None,
            "local_day": date(2026, 11, 5),
            "points": points,
            "earned_at": datetime(2026, 11, 5, 9, tzinfo=UTC),
            "rule": "test:manual",
            "reason": "booked by the test",
            "created_at": NOW,
        }
        ledger.book(session, [row])
    session.commit()


def link(session, code="S001", name=None, **kwargs) -> str:
    site = records.get_site(session, code)
    _, plain = create_display(
        session, site, name=name, expires_in_days=kwargs.get("days"), now=NOW, actor="t"
    )
    session.commit()
    return plain


def test_the_screen_needs_no_login_and_shows_aliases_ranks_and_points(client, session, store):
    response = client.get(f"/display/{link(session)}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.text
    text = visible_text(html)
    assert "Store S001" in text and "Points · November 2026" in text and "Updated 12:00" in text
    assert "T. T." in text and "T. T. 2" in text and "Anonymous" in text
    assert "Thomas" not in text and "Taylor" not in text and "E01" not in html
    assert '<html lang="en">' in html
    assert "<a " not in html and "Exit TV mode" not in html and "<nav" not in html
    assert "<script>" not in html  # the CSP allows scripts from files only
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_display_names_on_names_people_but_the_opted_out_stay_anonymous(client, session, store):
    create_points_rules(session, {"display_names": True}, now=NOW, actor="test")
    session.commit()
    text = visible_text(client.get(f"/display/{link(session)}").text)
    assert "Thomas Taylor" in text and "Tina Turner" in text
    assert "Hidden Person" not in text and "Anonymous" in text


def test_revoked_expired_and_unknown_links_get_the_same_empty_404(client, session, store):
    revoked = link(session, name="old")
    revoke_named(session, "old", site_code=None, now=NOW, actor="t")
    session.commit()
    expired = link(session, name="short", days=1)
    page_clock_later = NOW + timedelta(days=2)
    pages = [client.get(f"/display/{t}") for t in (revoked, "upt_nothing", "x")]
    assert {p.status_code for p in pages} == {404}
    assert len({p.data for p in pages}) == 1
    assert "S001" not in pages[0].text and "Store" not in pages[0].text
    assert "<a " not in pages[0].text
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("api.clock.utcnow", lambda: page_clock_later)
        assert client.get(f"/display/{expired}").data == pages[0].data


def test_without_javascript_the_first_page_shows_and_the_refresh_moves_on(client, session, store):
    html = client.get(f"/display/{link(session)}?per_page=4").text
    bodies = re.findall(r'<tbody data-page="(\d)"( hidden)?>', html)
    assert bodies == [("1", ""), ("2", " hidden"), ("3", " hidden")]
    assert "Page 1 of 3" in visible_text(html)
    refresh = re.search(r'http-equiv="refresh" content="60; url=([^"]+)"', html)[1]
    assert "page=2" in refresh and "per_page=4" in refresh
    assert "since=2026-11-20T12:00:00Z" in refresh
    second = client.get(f"/display/{link(session, name='b')}?per_page=4&page=2").text
    assert re.findall(r'<tbody data-page="(\d)"( hidden)?>', second)[1] == ("2", "")


def test_top_shows_the_top_n_and_the_rows_just_below_the_line(client, session, store):
    html = client.get(f"/display/{link(session)}?top=2").text
    text = visible_text(html)
    assert "Just below the top 2" in text and "Page 1 of" not in text
    assert text.index("T. T. 2") < text.index("Just below the top 2") < text.index("Anonymous")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("since=2026-11-20T12:00:00", "since"),  # no offset
        ("page=0", "page"),
        ("per_page=2", "per_page"),
        ("top=abc", "top"),
        ("top=101", "top"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(client, session, store, query, field):
    response = client.get(f"/display/{link(session)}?{query}")
    assert response.status_code == 400
    assert visible_text(response.text).startswith(f"Bad request Bad request {field}:")


def test_badges_recorded_since_the_last_refresh_are_celebrated(client, session, store):
    since = NOW - timedelta(minutes=1)
    for user, badge, at in (
        ("E01", "explorer", since - timedelta(seconds=5)),
        ("E02", "expert", since + timedelta(seconds=5)),
    ):
        emp = records.get_employee(session, user)
        session.add(
            BadgeAward(
                employee_id=emp.id,
                badge=badge,
                site_id=emp.site_id,
                awarded_on=at.date(),
                evidence={},
                created_at=at,
            )
        )
    session.commit()
    text = visible_text(client.get(f"/display/{link(session)}?since=2026-11-20T11:59:00Z").text)
    assert "T. T. 2 earned the badge “Expert”" in text
    assert "Explorer" not in text


def test_a_store_before_its_go_live_shows_the_day_instead_of_a_board(client, session, store):
    records.put_site(
        session, "S001", {"go_live_on": date(2026, 12, 1)}, now=NOW, actor="t", default_tz="UTC"
    )
    session.commit()
    html = client.get(f"/display/{link(session)}").text
    assert "Goes live on 1 December 2026" in visible_text(html)
    assert "<table" not in html


def test_the_manager_creates_and_revokes_a_link_from_the_board(client, session, store, sign_in):
    sign_in("manager", sites=["S001"])
    board = client.get("/sites/S001/leaderboard").text
    assert "Display links" in board and "No display link yet." in board
    created = client.post(
        "/sites/S001/displays",
        data={"name": "backoffice-tv", "expires_in_days": "", "csrf_token": csrf_token(board)},
    )
    assert created.status_code == 200
    url = re.search(r'value="(http://localhost/display/[^"]+)"', created.text)[1]
    assert client.get(url.removeprefix("http://localhost")).status_code == 200
    board = client.get("/sites/S001/leaderboard").text
    assert "backoffice-tv" in board and url.rsplit("/", 1)[1] not in board  # shown once
    link_id = re.search(r"/sites/S001/displays/(\d+)/revoke", board)[1]
    revoked = client.post(
        f"/sites/S001/displays/{link_id}/revoke",
        data={"confirm": "yes", "csrf_token": csrf_token(board)},
    )
    assert revoked.status_code == 302
    assert client.get(url.removeprefix("http://localhost")).status_code == 404


def test_a_bad_expiry_in_the_form_is_a_400_naming_it(client, session, store, sign_in):
    sign_in("manager", sites=["S001"])
    token = csrf_token(client.get("/sites/S001/leaderboard").text)
    response = client.post(
        "/sites/S001/displays", data={"expires_in_days": "soon", "csrf_token": token}
    )
    assert response.status_code == 400 and "Expires in days" in response.text


def test_only_the_stores_manager_and_admin_see_the_section(client, session, store, sign_in):
    sign_in("employee", user_id="E01")
    assert "Display links" not in client.get("/sites/S001/leaderboard").text
    token = csrf_token(client.get("/sites/S001/leaderboard").text)
    assert client.post("/sites/S001/displays", data={"csrf_token": token}).status_code == 403


def test_a_manager_cannot_make_a_link_for_another_store(client, session, store, sign_in):
    sign_in("manager", sites=["S001"])
    token = csrf_token(client.get("/sites/S001/leaderboard").text)
    assert client.post("/sites/S002/displays", data={"csrf_token": token}).status_code == 403


def test_a_failure_is_a_page_that_tries_again_by_itself(client, session, store, monkeypatch):
    token = link(session)

    def busy(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr("api.web.display.display_board", busy)
    response = client.get(f"/display/{token}?top=3")
    assert response.status_code == 503
    assert f'content="60; url=/display/{token}?top=3"' in response.text
    assert "<a " not in response.text and "error" not in response.text
