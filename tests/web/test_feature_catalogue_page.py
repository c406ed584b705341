"""The admin's feature catalogue (/admin/features): the Catalogue and Unmapped tabs, filters,
pages, edit in place (the API's PUT rules, audited), and the core flag's effect on breadth
said before it is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.masterdata import feature_records
from adoption.models import AuditLog, Feature
from tests.adoption.scoring.test_proficiency import NOW
from tests.helpers import event
from tests.web.html import csrf_token, visible_text

CATALOGUE = "/admin/features"
EDIT = "/admin/features/edit"


@pytest.fixture
def admin(make_site, make_employee, sign_in):
    make_site("S001")
    make_employee("E001", "S001")
    make_employee("E002", "S001")
    return sign_in("admin")


@pytest.fixture
def catalogue(admin, session):
    """pos.sale (core, capped, titled in en and zh), pos.giftcard (not core, module giftcards),
    pos.refund.v2 (an alias of pos.sale)."""
    put = feature_records.put_feature
    put(
        session,
        "pos.sale",
        {
            "is_core": True,
            "module": "pos",
            "points": 2,
            "daily_cap": 20,
            "expected_ms": 1500,
            "title": "Ring up a sale",
            "titles": {"zh": "收银"},
        },
        now=NOW,
    )
    put(session, "pos.giftcard", {"module": "giftcards", "points": 3}, now=NOW)
    put(session, "pos.refund.v2", {"module": "pos", "alias_of": "pos.sale"}, now=NOW)
    session.commit()


@pytest.fixture
def used(catalogue, send_events):
    """Two days ago: E001 sold 3 times (breadth 1/1), E002 sold gift cards 3 times (0/1)."""
    when = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    batch = [event(f"s{i}", action="pos.sale", occurred_at=when) for i in range(3)]
    batch += [
        event(f"g{i}", user_id="E002", action="pos.giftcard", occurred_at=when) for i in range(3)
    ]
    assert send_events(batch).status_code == 200


def stored(session, action: str) -> Feature:
    session.rollback()
    return session.scalar(select(Feature).where(Feature.action == action))


def edit(client, action: str, **fields):
    """The row's form as the catalogue renders it, with `fields` changed (None: unticked)."""
    f = stored_form(client, action)
    f.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        f.pop(k, None)
    return client.post(EDIT, data=f)


def stored_form(client, action: str) -> dict:
    page = client.get(CATALOGUE).text
    form = {"csrf_token": csrf_token(page), "action": action, "f_module": "", "f_q": ""}
    form["f_after"] = ""
    with_values = {"module": "pos", "points": "", "daily_cap": "", "expected_ms": ""}
    return {**form, **with_values, "alias_of": "", "title": "", "title_zh": ""}


def test_catalogue_lists_every_mapped_feature_with_its_settings(admin, catalogue):
    text = visible_text(admin.get(CATALOGUE).text)
    assert "Feature catalogue" in text
    assert "3 features" in text
    assert "pos.sale pos yes 2 20 1500 — Ring up a sale 收银" in text
    assert "pos.giftcard giftcards no 3 — — — — —" in text
    assert "pos.refund.v2 pos no 1 — — pos.sale — —" in text


def test_tabs_are_links_with_the_current_one_marked(admin, catalogue, send_events):
    send_events([event(1, action="pos.new.thing")])
    html = admin.get(CATALOGUE).text
    assert f'<a href="{CATALOGUE}" aria-current="page">Catalogue</a>' in html
    assert f'<a href="{CATALOGUE}?tab=unmapped">Unmapped (1)</a>' in html
    unmapped = admin.get(f"{CATALOGUE}?tab=unmapped").text
    assert f'<a href="{CATALOGUE}?tab=unmapped" aria-current="page">Unmapped (1)</a>' in unmapped
    assert "pos.new.thing 1 event" in visible_text(unmapped)
    assert "pos.new.thing" not in visible_text(html).split("Save")[0]


def test_filter_by_module_and_text(admin, catalogue):
    html = admin.get(f"{CATALOGUE}?module=giftcards").text
    assert "1 feature" in visible_text(html)
    assert "pos.giftcard" in html and "pos.refund.v2" not in html
    assert '<option value="giftcards" selected>' in html
    text = visible_text(admin.get(f"{CATALOGUE}?q=ring+up").text)
    assert "1 feature" in text and "pos.sale" in text
    assert "No feature matches." in visible_text(admin.get(f"{CATALOGUE}?q=zzz").text)


def test_the_filter_form_is_get_with_a_show_button(admin, catalogue):
    html = admin.get(CATALOGUE).text
    form = html.split('<form method="get"', 1)[1].split("</form>", 1)[0]
    assert '<select name="module">' in form
    assert "onchange" not in form
    assert '<button type="submit" class="button">Show</button>' in form
    assert 'class="table-wrap" tabindex="0" role="region" aria-label="Feature catalogue"' in html


def test_pages_of_fifty_by_action(admin, session):
    for i in range(55):
        feature_records.put_feature(session, f"pos.f{i:02d}", {"module": "pos"}, now=NOW)
    session.commit()
    first = admin.get(CATALOGUE).text
    assert "pos.f49" in first and "pos.f50" not in first
    assert f'href="{CATALOGUE}?after=pos.f49">Next page</a>' in first
    second = admin.get(f"{CATALOGUE}?after=pos.f49").text
    assert "pos.f50" in second and "pos.f54" in second and "pos.f49</code>" not in second
    assert "Next page" not in second and "First page" in second


def test_editing_in_place_saves_the_fields_and_audits_the_change(admin, catalogue, session):
    response = edit(
        admin,
        "pos.giftcard",
        module="giftcards",
        points="5",
        daily_cap="15",
        title="Sell a gift card",
        title_zh="售卖礼品卡",
    )
    assert response.status_code == 302
    saved = stored(session, "pos.giftcard")
    assert (saved.points, saved.daily_cap, saved.title, saved.titles, saved.is_core) == (
        5,
        15,
        "Sell a gift card",
        {"zh": "售卖礼品卡"},
        False,
    )
    log = session.scalars(select(AuditLog).where(AuditLog.target == "pos.giftcard")).all()[-1]
    assert (log.action, log.actor) == ("feature.put", "admin-web")
    assert log.details["changes"]["points"] == [3, 5]
    assert log.details["changes"]["daily_cap"] == [None, 15]
    assert "pos.giftcard is saved." in visible_text(admin.get(CATALOGUE).text)


def test_clearing_a_title_and_alias(admin, catalogue, session):
    edit(admin, "pos.refund.v2", alias_of="", title="")
    assert stored(session, "pos.refund.v2").alias_of is None


def test_invalid_edit_is_422_naming_the_fields_with_the_input_kept(admin, catalogue, session):
    response = edit(admin, "pos.giftcard", points="-1", daily_cap="lots", module="giftcards")
    assert response.status_code == 422
    text = visible_text(response.text)
    assert "Not saved:" in text
    assert "points: Must be greater than or equal to 0" in text
    assert "daily_cap: Not a valid integer." in text
    assert 'name="daily_cap" type="number" min="0" value="lots"' in response.text
    assert '<tr class="edit-row">' in response.text  # the refused row stays open
    assert stored(session, "pos.giftcard").points == 3


def test_alias_of_an_unknown_action_is_422_like_the_api(admin, catalogue, session):
    response = edit(admin, "pos.giftcard", alias_of="pos.typo", module="giftcards")
    assert response.status_code == 422
    assert "alias_of: No feature 'pos.typo'." in visible_text(response.text)
    assert stored(session, "pos.giftcard").alias_of is None


def test_making_a_feature_core_says_whose_breadth_changes_and_asks_first(admin, used, session):
    # pos.giftcard joins pos.sale (n 1 → 2): E001 1 → 1/2, E002 0 → 1/2: 2 people.
    assert "Making this core" not in visible_text(admin.get(CATALOGUE).text)  # no row is open
    text = visible_text(admin.get(f"{CATALOGUE}?edit=pos.giftcard").text)
    assert "Making this core changes the breadth of 2 people." in text
    assert "1 person used it at least 3 times in the 28 days to" in text
    asked = edit(admin, "pos.giftcard", module="giftcards", is_core="on")
    assert asked.status_code == 200
    said = visible_text(asked.text)
    assert "Make pos.giftcard a core feature?" in said
    assert "Making this core changes the breadth of 2 people." in said
    assert 'name="confirm" value="yes"' in asked.text
    assert stored(session, "pos.giftcard").is_core is False
    done = edit(admin, "pos.giftcard", module="giftcards", is_core="on", confirm="yes")
    assert done.status_code == 302
    assert stored(session, "pos.giftcard").is_core is True
    log = session.scalars(select(AuditLog).where(AuditLog.target == "pos.giftcard")).all()[-1]
    assert log.details["changes"]["is_core"] == [False, True]


def test_making_a_feature_not_core_says_so_too(admin, used, session):
    # pos.sale leaves (n 1 → 0): E001 1 → 0: 1 person.
    asked = edit(admin, "pos.sale", module="pos")
    said = visible_text(asked.text)
    assert "Make pos.sale not a core feature?" in said
    assert "Making this not core changes the breadth of 1 person." in said
    assert stored(session, "pos.sale").is_core is True


def test_an_alias_says_its_flag_changes_no_breadth(admin, used):
    text = visible_text(admin.get(f"{CATALOGUE}?edit=pos.refund.v2").text)
    assert "This counts as pos.sale, so its own core flag changes no one's breadth." in text


def test_an_edit_that_keeps_the_flag_saves_without_asking(admin, used, session):
    response = edit(admin, "pos.sale", module="pos", is_core="on", points="4")
    assert response.status_code == 302
    assert stored(session, "pos.sale").points == 4


def test_filters_survive_a_save(admin, catalogue):
    response = edit(admin, "pos.giftcard", module="giftcards", f_module="giftcards", f_q="gift")
    assert response.headers["Location"] == f"{CATALOGUE}?module=giftcards&q=gift"


def test_editing_an_unknown_feature_is_the_404_page(admin, catalogue):
    assert edit(admin, "pos.nothing", module="pos").status_code == 404


def test_mapping_on_the_unmapped_tab_returns_to_it(admin, catalogue, send_events, session):
    send_events([event(1, action="pos.new.thing")])
    page = admin.get(f"{CATALOGUE}?tab=unmapped").text
    data = {"csrf_token": csrf_token(page), "action": "pos.new.thing", "points": "2"}
    response = admin.post(CATALOGUE, data=data)
    assert response.headers["Location"] == f"{CATALOGUE}?tab=unmapped"
    assert stored(session, "pos.new.thing").mapped is True
    assert "pos.new.thing" in visible_text(admin.get(CATALOGUE).text)


@pytest.mark.parametrize("role", ["hr", "rollout_lead", "manager", "employee"])
def test_other_roles_get_403(make_site, make_employee, sign_in, role):
    make_site("S001")
    make_employee("E001", "S001")
    extra = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}
    client = sign_in(role, **extra.get(role, {}))
    assert client.get(CATALOGUE).status_code == 403
    token = csrf_token(client.get("/logout").text)
    data = {"csrf_token": token, "action": "pos.sale", "module": "pos", "points": "9"}
    assert client.post(EDIT, data=data).status_code == 403


@pytest.mark.parametrize("name", ["module", "q", "after"])
def test_a_filter_no_database_can_take_reads_as_none(admin, name):
    response = admin.get("/admin/features", query_string={name: "x\x00"})
    assert response.status_code == 200


def test_edit_opens_one_full_width_row_under_its_feature_keeping_the_filters(admin, catalogue):
    page = admin.get(CATALOGUE, query_string={"module": "giftcards"}).text
    assert 'href="/admin/features?edit=pos.giftcard&amp;module=giftcards#edit"' in page
    assert page.count('class="edit-row"') == 0
    opened = admin.get(CATALOGUE, query_string={"module": "giftcards", "edit": "pos.giftcard"})
    assert opened.text.count('class="edit-row"') == 1
    assert 'aria-label="Edit pos.giftcard"' in opened.text
    assert 'name="f_module" value="giftcards"' in opened.text
