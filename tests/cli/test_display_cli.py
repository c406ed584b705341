"""`uptake display create|list|revoke`: the store TV's links, the URL printed once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.identity.models import ApiToken
from adoption.models import AuditLog
from api.cli.main import main


@pytest.fixture
def stores(make_site, make_employee):
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001", display_name="Thomas Taylor")


def display(runner, *args: str):
    return runner.invoke(main, ["display", *args])


def last_line(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_create_prints_the_full_url_alone_on_the_last_line_and_it_opens(runner, client, stores):
    result = display(runner, "create", "--site", "s001", "--name", "backoffice-tv")
    assert result.exit_code == 0, result.output
    url = last_line(result)
    assert url.startswith("http://127.0.0.1:5000/display/upt_")
    assert "site=S001" in result.stdout and "'backoffice-tv'" in result.stdout
    token = url.rsplit("/", 1)[1]
    assert client.get(f"/display/{token}").status_code == 200
    assert (
        client.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_the_base_url_is_an_option(runner, stores):
    result = display(runner, "create", "--site", "S001", "--base-url", "https://uptake.example/")
    assert last_line(result).startswith("https://uptake.example/display/upt_")
    bad = display(runner, "create", "--site", "S001", "--base-url", "ftp://x")
    assert bad.exit_code == 2 and "--base-url" in bad.output


def test_the_token_is_stored_hashed_and_never_listed(runner, session, stores):
    url = last_line(display(runner, "create", "--site", "S001", "--expires-in-days", "30"))
    token = url.rsplit("/", 1)[1]
    session.rollback()
    stored = session.scalars(select(ApiToken)).one()
    assert stored.role == "display" and token not in stored.token_hash
    assert [s.code for s in stored.sites] == ["S001"]
    listed = display(runner, "list")
    assert listed.exit_code == 0 and token not in listed.output
    header, row = listed.output.splitlines()
    assert header.split() == ["id", "name", "site", "created", "expires", "revoked", "status"]
    assert "S001-tv" in row and row.endswith("live")
    as_json = json.loads(display(runner, "list", "--format", "json").output)
    assert as_json[0]["name"] == "S001-tv" and "token" not in as_json[0]


def test_revoke_by_name_ends_the_link_and_is_audited(runner, client, session, stores):
    token = last_line(display(runner, "create", "--site", "S001")).rsplit("/", 1)[1]
    result = display(runner, "revoke", "S001-tv")
    assert result.exit_code == 0, result.output
    assert "revoked 1 display link(s)" in result.output
    assert client.get(f"/display/{token}").status_code == 404
    assert display(runner, "list").output.splitlines()[1].endswith("revoked")
    session.rollback()
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["display.create", "display.revoke"]


def test_a_name_shared_by_two_stores_needs_the_site(runner, stores):
    for site in ("S001", "S002"):
        assert display(runner, "create", "--site", site, "--name", "tv").exit_code == 0
    shared = display(runner, "revoke", "tv")
    assert shared.exit_code == 2 and "site:" in shared.output and "--site" in shared.output
    assert display(runner, "revoke", "tv", "--site", "S002").exit_code == 0
    assert display(runner, "revoke", "tv").exit_code == 0  # only S001's is live now


@pytest.mark.parametrize(
    ("args", "words", "code"),
    [
        (["create", "--site", "NOPE"], "NOPE", 1),  # not found
        (["create", "--site", "S001", "--expires-in-days", "0"], "--expires-in-days", 2),
        (["create", "--site", "S001", "--name", "x" * 65], "name: At most 64", 2),
        (["revoke", "nothing"], "No live display link 'nothing'", 1),
    ],
)
def test_bad_input_is_one_line_naming_it(runner, stores, args, words, code):
    result = display(runner, *args)
    assert result.exit_code == code
    assert words in result.output and "Traceback" not in result.output


def test_tokens_create_refuses_the_display_role(runner, stores):
    result = runner.invoke(main, ["tokens", "create", "--role", "display", "--name", "x"])
    assert result.exit_code == 2 and "--role" in result.output


def test_tokens_revoke_leaves_a_display_link_of_the_same_name_alone(runner, client, stores):
    token = last_line(display(runner, "create", "--site", "S001")).rsplit("/", 1)[1]
    result = runner.invoke(main, ["tokens", "revoke", "S001-tv"])
    assert result.exit_code != 0  # no API token of that name
    assert client.get(f"/display/{token}").status_code == 200
