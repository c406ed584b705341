"""Each role's navigation lists the pages that role can use, and only those: every link opens
for that role."""

from __future__ import annotations

import re

import pytest

from tests.web.team import build_team

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')

ACCOUNTS = {
    "employee": {"user_id": "C"},
    "manager": {"sites": ["S1"], "user_id": "A"},
    "hr": {},
    "rollout_lead": {},
    "admin": {},
}
EXPECTED = {
    "employee": ["My progress", "Store board"],
    "manager": ["Board S1", "Store vs store", "My progress"],
    "hr": ["Champions", "Boards", "Store vs store"],
    "rollout_lead": ["Pilots", "Boards", "Store vs store"],
    "admin": ["Quarantine", "Features", "Champions", "Pilots", "Boards", "Store vs store"],
}


def nav_links(page: str) -> list[tuple[str, str]]:
    (nav,) = NAV.findall(page)
    return [(label.strip(), href) for href, label in LINK.findall(nav)]


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_every_link_of_a_roles_nav_opens_for_that_role(session, page_clock, sign_in, role):
    build_team(session)
    session.commit()
    client = sign_in(role, **ACCOUNTS[role])
    links = nav_links(client.get("/", follow_redirects=True).text)
    assert [label for label, _href in links] == EXPECTED[role]
    for label, href in links:
        response = client.get(href)
        assert response.status_code == 200, (role, label, href, response.status_code)
        assert nav_links(response.text) == links  # the same nav on every page
