"""The top bar names the person a login belongs to, and a staff account by its name."""

from __future__ import annotations

from tests.web.team import build_team


def who(page: str) -> str:
    start = page.index('<div class="who">')
    return page[start : page.index("</div>", start)]


def test_a_clerks_top_bar_names_the_person_not_the_login(session, page_clock, sign_in):
    build_team(session)
    session.commit()
    client = sign_in("employee", username="clerk-c", user_id="C")
    bar = who(client.get("/me").text)
    assert "Person C" in bar and "clerk-c" not in bar


def test_a_staff_accounts_top_bar_names_the_account(session, page_clock, sign_in):
    client = sign_in("hr", username="payroll-hr")
    assert "payroll-hr" in who(client.get("/champions").text)
