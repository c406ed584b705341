"""The privacy rule on the pages (docs/privacy.md): the team board, who needs help, TV mode,
and a clerk opting out (and back in) on /me.

The team is tests/web/team.py (NOW Fri 2026-11-20): S1 holds A, B, C, D and H (H opted out);
D is dormant, C struggles. This week's points: H 6, A 4, C 3, B 2, D 0.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from adoption.masterdata import records
from adoption.models import AuditLog
from adoption.notify.subscriptions import list_subscriptions
from tests.adoption.scoring.test_proficiency import NOW
from tests.web.html import csrf_token, table_rows, visible_text
from tests.web.team import build_team
from tests.web.test_leaderboard_page import BOARD, board, ranked


@pytest.fixture
def team(session, page_clock):
    return build_team(session)


def names(rows) -> list[str]:
    return [r[1] for r in rows]


def opt_out_form(client, choice: str, token: str | None = None):
    """POST the /me form as a browser does: the token from the /me page unless given."""
    token = token if token is not None else csrf_token(client.get("/me").text)
    return client.post("/me/opt-out", data={"opt_out": choice, "csrf_token": token})


def test_rollout_lead_sees_the_board_and_who_is_stuck_without_names(team, sign_in):
    text = visible_text(sign_in("rollout_lead").get(BOARD).text)
    assert "Gone quiet" in text and "Struggling" in text
    assert "Person" not in text
    assert "Anonymous silent 21 days" in text  # the figures stay


def test_a_clerk_sees_its_own_name_and_nobody_elses(team, sign_in):
    rows = board(sign_in("employee", user_id="A"))
    assert names(rows) == ["Anonymous", "Person A you", "Anonymous", "Anonymous", "Anonymous"]


def test_tv_mode_names_nobody_even_for_hr(team, sign_in):
    rows = board(sign_in("hr"), "?tv=1")
    assert set(names(rows)) == {"Anonymous"}
    assert [r[4] for r in rows] == ["6", "4", "3", "2", "0"]


def test_manager_sees_its_opted_out_clerk_in_gone_quiet_but_not_on_the_board(
    team, session, sign_in
):
    records.put_employee(session, "D", {"public_opt_out": True}, now=NOW)
    session.commit()
    client = sign_in("manager", sites=["S1"])
    assert "Person D" not in names(board(client))
    text = visible_text(client.get(BOARD).text)
    gone_quiet = text[text.index("Gone quiet") : text.index("Struggling")]
    assert "Person D D silent 21 days" in gone_quiet


def test_me_offers_to_opt_out(team, sign_in):
    text = visible_text(sign_in("employee", user_id="A").get("/me").text)
    assert "Who sees my name on the boards" in text
    assert "Hide my name from the boards" in text


def test_a_clerk_opts_out_on_me_and_disappears_from_the_store_board(team, sign_in, client):
    sign_in("employee", user_id="A")
    response = opt_out_form(client, "yes")
    assert (response.status_code, response.headers["Location"]) == (302, "/me")
    assert "Show my name on the boards again" in visible_text(client.get("/me").text)
    assert names(board(client))[1] == "Person A you"  # A still sees itself
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/me").text)})
    manager = sign_in("manager", sites=["S1"])
    assert ranked(board(manager))[:2] == [("1", "Anonymous", "6"), ("2", "Anonymous", "4")]
    assert "Person A" not in names(board(manager))


def test_a_clerk_opts_back_in(team, session, sign_in, client):
    records.put_employee(session, "A", {"public_opt_out": True}, now=NOW)
    session.commit()
    sign_in("employee", user_id="A")
    assert opt_out_form(client, "no").status_code == 302
    session.expire_all()
    assert records.get_employee(session, "A").public_opt_out is False


def test_opting_out_is_audited(team, session, sign_in, client):
    sign_in("employee", user_id="A", username="clerk-a")
    opt_out_form(client, "yes")
    session.expire_all()
    log = session.scalars(
        select(AuditLog).where(AuditLog.action == "employee.public_opt_out")
    ).one()
    assert (log.actor, log.target, log.details["changes"]) == (
        "clerk-a",
        "A",
        {"public_opt_out": [False, True]},
    )


def test_opting_out_without_the_forms_token_is_refused_and_changes_nothing(
    team, session, sign_in, client
):
    sign_in("employee", user_id="A")
    client.get("/me")
    assert opt_out_form(client, "yes", token="forged").status_code == 400
    session.expire_all()
    assert records.get_employee(session, "A").public_opt_out is False


def test_an_unknown_choice_is_a_400_page(team, sign_in, client):
    sign_in("employee", user_id="A")
    assert opt_out_form(client, "maybe").status_code == 400


def test_a_login_without_an_employee_has_nothing_to_opt_out_of(team, sign_in, client):
    sign_in("hr")
    token = csrf_token(client.get(BOARD).text)
    assert opt_out_form(client, "yes", token=token).status_code == 404


def test_board_page_explains_anonymous_rows(team, sign_in):
    text = visible_text(sign_in("employee", user_id="A").get(BOARD).text)
    assert "“Anonymous”: someone this screen does not show by name" in text


def test_hr_sees_every_name_and_no_anonymous_note(team, sign_in):
    response = sign_in("hr").get(BOARD)
    assert "Anonymous" not in visible_text(response.text)
    assert len(table_rows(response.text, "board")) == 5


def test_me_says_who_sees_the_name_by_the_chains_board_setting(team, sign_in, app, monkeypatch):
    client = sign_in("employee", user_id="A")
    assert "Colleagues and the TV screen see" in visible_text(client.get("/me").text)
    named = dataclasses.replace(app.extensions["uptake"].settings, board_names="colleagues")
    monkeypatch.setattr(app.extensions["uptake"], "settings", named)
    text = visible_text(client.get("/me").text)
    assert "for your colleagues at this store" in text
    assert "Colleagues and the TV screen see" not in text


def test_a_clerk_asks_for_badge_e_mails_on_me_and_stops_them(team, session, sign_in, client):
    """The opt-in is the person's own: a subscription to their address, shown on /me, removed
    by them; an address that is not one e-mail address subscribes nothing."""
    sign_in("employee", user_id="A")
    token = csrf_token(client.get("/me").text)
    assert "Nothing yet: Uptake e-mails you only if you ask." in visible_text(
        client.get("/me").text
    )
    form = {"address": "a@example.com", "event": "person.badge", "csrf_token": token}
    response = client.post("/me/notifications", data=form)
    assert (response.status_code, response.headers["Location"]) == (302, "/me#notifications")
    [mine] = list_subscriptions(session, employee_id=records.get_employee(session, "A").id)
    assert (mine.event, mine.channel, mine.role) == (
        "person.badge",
        "mailto:a@example.com",
        "employee",
    )
    text = visible_text(client.get("/me").text)
    assert "When I earn a badge or reach a new level, to a@example.com" in text
    bad = client.post("/me/notifications", data={**form, "address": "a@x.com,b@y.com"})
    assert bad.status_code == 302
    assert "is not one e-mail address" in visible_text(client.get("/me").text)
    remove = f"/me/notifications/{mine.id}/remove"
    assert client.post(remove, data={"csrf_token": token}).status_code == 302
    session.rollback()  # the read above holds a snapshot
    assert list_subscriptions(session, employee_id=mine.employee_id) == []
    assert client.post(remove, data={"csrf_token": token}).status_code == 404
