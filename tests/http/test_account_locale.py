"""GET/PUT /api/v1/account/locale: a signed-in account reads and sets its own language."""

from __future__ import annotations

from sqlalchemy import select

from adoption.models import AuditLog
from tests.web.conftest import make_account, sign_in  # noqa: F401  (the web login fixtures)
from tests.web.html import csrf_token

URL = "/api/v1/account/locale"


def _headers(client) -> dict:
    return {"X-CSRF-Token": csrf_token(client.get("/account/password").text)}


def test_an_account_reads_its_language_null_until_chosen(sign_in):  # noqa: F811
    client = sign_in("hr")
    assert client.get(URL).json == {"locale": None}


def test_an_account_sets_its_language_and_the_pages_follow(sign_in, session):  # noqa: F811
    client = sign_in("hr")
    response = client.put(URL, json={"locale": "zh"}, headers=_headers(client))
    assert response.status_code == 200, response.text
    assert response.json == {"locale": "zh"}
    assert client.get(URL).json == {"locale": "zh"}
    assert "修改密码" in client.get("/account/password").text
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "account.locale")).one()
    assert audit.details == {"locale": [None, "zh"]}


def test_null_gives_the_choice_back_to_the_browser(sign_in):  # noqa: F811
    client = sign_in("hr")
    headers = _headers(client)
    client.put(URL, json={"locale": "zh"}, headers=headers)
    assert client.put(URL, json={"locale": None}, headers=headers).json == {"locale": None}
    assert "Change password" in client.get("/account/password").text


def test_a_language_we_do_not_speak_is_422_naming_the_field(sign_in):  # noqa: F811
    client = sign_in("hr")
    response = client.put(URL, json={"locale": "fr"}, headers=_headers(client))
    assert response.status_code == 422
    assert "locale" in response.json["error"]["details"]


def test_a_bearer_token_has_no_language_of_its_own(client, make_token):
    response = client.get(URL, headers=make_token("hr"))
    assert response.status_code == 403
