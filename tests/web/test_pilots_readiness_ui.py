"""Readiness rules edited on the page (/pilots/readiness) and the gate's three states on /pilots:
"No rule yet" (not NO GO), NO GO with the failing rules and sites, GO.

The chain: pilot S001 live since 2026-11-02, pilot S002 never live, S003 in wave 1 (NOW: Fri
2026-11-20 12:00 UTC). Without events every metric is undefined, so a rule at the pilots fails.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from adoption.models import AuditLog
from pilots import readiness_rules
from tests.web.html import csrf_token, visible_text

RULES = "/pilots/readiness"
FORM = {"metric": "adoption_rate", "comparison": ">=", "threshold": "60", "weeks": "2"}


@pytest.fixture
def lead(make_site, sign_in, page_clock):
    make_site("S001", is_pilot=True, wave=0, go_live_on=date(2026, 11, 2))
    make_site("S002", is_pilot=True, wave=0)
    make_site("S003", wave=1)
    return sign_in("rollout_lead")


def post(client, path, data):
    token = csrf_token(client.get(RULES).text)
    return client.post(path, data={**data, "csrf_token": token})


def add(client, **fields):
    return post(client, f"{RULES}/rules", {**FORM, "scope": "pilots", **fields})


def stored(session):
    session.rollback()  # see what the request committed
    return readiness_rules.list_rules(session)


def test_a_wave_without_a_rule_says_so_and_links_to_add_one(lead):
    html = lead.get("/pilots").text
    text = visible_text(html)
    assert "Wave 1 No rule yet No rule yet — add one" in text
    assert "NO GO" not in text
    assert f'<a href="{RULES}">add one</a>' in html


def test_a_rule_is_added_with_its_threshold_in_percent(lead, session):
    response = add(lead)
    assert response.status_code == 302 and response.headers["Location"] == RULES
    (rule,) = stored(session)
    assert (rule["metric"], rule["threshold"], rule["weeks"], rule["enabled"]) == (
        "adoption_rate",
        0.6,  # 60 % typed
        2,
        True,
    )
    text = visible_text(lead.get(RULES).text)
    words = "Adoption rate at least 60.0% in each of the last 2 complete weeks since go-live"
    assert f"{words} at every pilot site" in text


def test_adding_is_audited_under_the_signed_in_lead(lead, session):
    add(lead)
    session.rollback()
    row = session.scalar(select(AuditLog).where(AuditLog.action == "readiness_rule.add"))
    assert row.actor == "rollout_lead-web"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"threshold": "sixty"}, "threshold", "Enter a number, e.g. 60 for 60%."),
        ({"threshold": "120"}, "threshold", "Enter a percentage from 0 to 100."),
        ({"weeks": "two"}, "weeks", "Enter a whole number of weeks from 1 to 52."),
        ({"weeks": "²"}, "weeks", "Enter a whole number of weeks from 1 to 52."),  # not int()
        ({"weeks": "60"}, "weeks", "Must be a whole number from 1 to 52."),
        ({"scope": "everywhere"}, "scope", "Must be one of: pilots, previous_wave."),
    ],
)
def test_a_wrong_field_is_422_with_its_message_tied_to_it(lead, session, fields, field, message):
    response = add(lead, **fields)
    assert response.status_code == 422
    html = response.text
    assert f'<span class="field-error" id="rule-new-{field}-error">{message}</span>' in html
    assert f'aria-invalid="true" aria-describedby="rule-new-{field}-error"' in html
    assert stored(session) == []


def test_a_rejected_form_keeps_what_was_typed(lead):
    html = add(lead, threshold="sixty", weeks="3").text
    assert 'name="threshold" inputmode="decimal" size="6" value="sixty"' in html
    assert 'value="3" required aria-invalid' not in html  # weeks was fine: not marked
    assert 'name="weeks" type="number" min="1" max="52" step="1" value="3"' in html


def test_every_wrong_field_is_named_at_once(lead):
    html = add(lead, threshold="-5", weeks="0").text
    assert 'id="rule-new-threshold-error"' in html and 'id="rule-new-weeks-error"' in html


def test_a_rule_is_changed_in_place(lead, session):
    add(lead)
    (rule,) = stored(session)
    changed = {**FORM, "threshold": "72.5", "weeks": "1", "scope": "previous_wave"}
    response = post(lead, f"{RULES}/rules/{rule['id']}", changed)
    assert response.status_code == 302
    (after,) = stored(session)
    assert (after["threshold"], after["weeks"], after["scope"]) == (0.725, 1, "previous_wave")


def test_a_change_that_is_wrong_shows_next_to_that_rules_field(lead, session):
    add(lead)
    (rule,) = stored(session)
    response = post(lead, f"{RULES}/rules/{rule['id']}", {**FORM, "scope": "pilots", "weeks": ""})
    assert response.status_code == 422
    assert f'id="rule-{rule["id"]}-weeks-error"' in response.text
    assert stored(session)[0]["weeks"] == 2


def test_switching_a_rule_off_keeps_it_and_the_gate_says_no_rule_yet(lead, session):
    add(lead)
    (rule,) = stored(session)
    assert post(lead, f"{RULES}/rules/{rule['id']}/enabled", {"enabled": "no"}).status_code == 302
    (after,) = stored(session)
    assert (after["id"], after["enabled"]) == (rule["id"], False)
    assert "Wave 1 No rule yet" in visible_text(lead.get("/pilots").text)
    post(lead, f"{RULES}/rules/{rule['id']}/enabled", {"enabled": "yes"})
    assert stored(session)[0]["enabled"] is True


def test_removing_asks_first_and_then_removes(lead, session):
    add(lead)
    (rule,) = stored(session)
    path = f"{RULES}/rules/{rule['id']}/remove"
    asked = post(lead, path, {})
    assert asked.status_code == 200 and f"Remove readiness rule {rule['id']}?" in asked.text
    assert len(stored(session)) == 1
    assert post(lead, path, {"confirm": "yes"}).status_code == 302
    assert stored(session) == []


def test_an_unknown_rule_is_the_404_page(lead):
    response = post(lead, f"{RULES}/rules/999/enabled", {"enabled": "no"})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_form_without_the_csrf_token_is_400_and_changes_nothing(lead, session):
    response = lead.post(f"{RULES}/rules", data={**FORM, "scope": "pilots"})
    assert response.status_code == 400
    assert stored(session) == []


@pytest.mark.parametrize("role", ["hr", "manager"])
def test_other_roles_may_not_add_rules(make_site, sign_in, role, session):
    make_site("S001")
    client = sign_in(role, **({"sites": ["S001"]} if role == "manager" else {}))
    token = csrf_token(client.get("/logout").text)
    data = {**FORM, "scope": "pilots", "csrf_token": token}
    assert client.post(f"{RULES}/rules", data=data).status_code == 403
    assert stored(session) == []


def test_no_go_names_the_failing_rule_in_words_and_its_sites(lead):
    add(lead)
    text = visible_text(lead.get("/pilots").text)
    assert "Wave 1 NO GO 1 of 1 rules failed (rule id 1)." in text
    assert "failed Adoption rate at least 60.0% in each of the last 2 complete weeks" in text
    assert "Failing sites: S001 S002" in text  # S001: no value without events; S002: not live


def test_a_target_page_of_an_id_past_any_row_is_the_404_page(lead):
    assert lead.get("/pilots/targets/99999999999999999999999").status_code == 404
