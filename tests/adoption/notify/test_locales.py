"""Notifications in the reader's language: every template in English and Simplified Chinese,
and each subscription's messages in its language (its own, or its person's account's)."""

from __future__ import annotations

from string import Formatter

import pytest
from sqlalchemy import select

from adoption.errors import Invalid
from adoption.identity import credentials
from adoption.locales import LOCALES
from adoption.models import Employee
from adoption.notify.events import CATALOG, EVENT_NAMES, PERSON_BADGE, render, render_test
from adoption.notify.subscriptions import describe, subscribe, subscribe_own
from rewards.jobs import award_badges_job
from tests.adoption.notify.test_triggers import NOW, owed
from tests.rewards.month_world import Month

HOOK = "https://hooks.example.com/uptake"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_every_template_with_the_same_placeholders(locale):
    english = CATALOG["en"]
    assert set(CATALOG[locale]) >= set(english)
    for name, text in english.items():
        assert fields(CATALOG[locale][name]) == fields(text), name


PAYLOADS = {
    "month.ready": {"month": "2026-10"},
    "month.closed": {
        "month": "2026-10",
        "version": 1,
        "closed_by": "hr",
        "champions": [{"site_id": "S1", "user_id": "E1", "display_name": "Ana", "points": 40}],
    },
    "site.behind": {
        "site_id": "S1",
        "wave": 2,
        "week": 3,
        "adoption_rate": 0.5,
        "gap": 0.2,
        "wave_median": 0.7,
        "population": 12,
    },
    "readiness.failed": {"wave": 2, "day": "2026-11-20", "reason": "r", "failed_rules": [1]},
    "quarantine.growing": {"open": 120, "threshold": 100},
    "person.badge": {"display_name": "Ana", "level": "Proficient"},
}


@pytest.mark.parametrize("event", EVENT_NAMES)
def test_each_event_renders_in_chinese(event):
    subject, body = render(event, PAYLOADS[event], "zh")
    english = render(event, PAYLOADS[event], "en")
    assert (subject, body) != english
    assert any("\u4e00" <= ch <= "\u9fff" for ch in subject + body)
    assert render_test(event, 7, "zh")[0] == "Uptake：测试消息"


def test_a_level_is_named_in_the_readers_language():
    assert (
        render(PERSON_BADGE, PAYLOADS["person.badge"], "zh")[1]
        == "干得好，Ana：你达到了「熟练」等级。"
    )
    assert render(PERSON_BADGE, PAYLOADS["person.badge"], "fr")[1].startswith("Well done, Ana")


def test_a_subscription_speaks_its_language_or_its_persons(session):
    scn = Month(session).site("S1").person("E1", "S1").person("E2", "S1").catalog()
    scn.work("E1").work("E2")
    credentials.create_account(session, username="e1", role="employee", now=NOW, user_id="E1")
    account, _ = credentials.create_account(
        session, username="e2", role="employee", now=NOW, user_id="E2"
    )
    account.locale = "zh"
    chosen = subscribe(
        session, event=PERSON_BADGE, channel=HOOK, now=NOW, actor="t", user="E1", locale="zh"
    )
    e2 = session.scalar(select(Employee.id).where(Employee.external_id == "E2"))
    theirs = subscribe_own(
        session,
        employee_id=e2,
        event=PERSON_BADGE,
        channel="mailto:e2@example.com",
        now=NOW,
        actor="e2",
    )
    # an admin's subscription for E2 is not E2's own: English, whatever E2's account says
    admins = subscribe(session, event=PERSON_BADGE, channel=HOOK, now=NOW, actor="t", user="E2")
    assert describe(session, chosen)["locale"] == "zh" and theirs.locale is None
    session.commit()
    award_badges_job(session, now=NOW)
    rows = owed(session)
    subjects = {d.subscription_id: d.subject for d in rows}
    assert subjects == {
        chosen.id: "Uptake：新徽章",
        theirs.id: "Uptake：新徽章",
        admins.id: "Uptake: a new badge",
    }


def test_an_unknown_language_is_refused_naming_the_field(session):
    Month(session).site("S1")
    with pytest.raises(Invalid) as caught:
        subscribe(session, event="month.ready", channel=HOOK, now=NOW, actor="t", locale="fr")
    assert caught.value.details == {"locale": ["Must be one of: en, zh."]}
