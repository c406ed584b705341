"""Admin pages: quarantine review (replay as stored or corrected, discard, each confirmed) and
mapping unmapped actions, all through the forms a browser posts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adoption.masterdata import feature_records
from adoption.models import Event, Feature, Quarantine
from tests.adoption.scoring.test_proficiency import NOW
from tests.helpers import event
from tests.web.html import csrf_token, visible_text

QUARANTINE = "/admin/quarantine"


@pytest.fixture
def admin(make_site, make_employee, sign_in):
    make_site("S001")
    make_employee("E001", "S001")
    return sign_in("admin")


@pytest.fixture
def unknown_site_item(admin, send_events, session) -> int:
    """An event the POS sent for a site nobody created yet."""
    send_events([event(1, site_id="S404")])
    return session.scalar(select(Quarantine.id))


def fresh(session):
    session.rollback()  # a new transaction sees what the requests committed


def status_of(session, item_id: int) -> str:
    fresh(session)
    return session.get(Quarantine, item_id).status


def token(client) -> str:
    return csrf_token(client.get(QUARANTINE).text)


def post(client, path: str, **fields):
    return client.post(path, data={"csrf_token": token(client), **fields})


def test_quarantine_page_lists_open_items_and_each_has_its_page(admin, unknown_site_item):
    listed = visible_text(admin.get(QUARANTINE).text)
    assert f"#{unknown_site_item} event" in listed
    assert "still fails" in listed and "pos S404 site_id: Unknown site." in listed
    text = visible_text(admin.get(f"{QUARANTINE}/{unknown_site_item}").text)
    assert "source pos · event e-1" in text
    assert '"site_id": [ "Unknown site." ]' in text
    assert '"site_id": "S404"' in text


def test_replay_asks_for_confirmation_first_and_changes_nothing(admin, unknown_site_item, session):
    response = post(admin, f"{QUARANTINE}/{unknown_site_item}/replay")
    assert response.status_code == 200
    assert f"Replay quarantine item {unknown_site_item}?" in visible_text(response.text)
    assert 'name="confirm" value="yes"' in response.text
    assert status_of(session, unknown_site_item) == "open"


def test_confirmed_replay_ingests_the_stored_event(admin, unknown_site_item, make_site, session):
    make_site("S404")
    response = post(admin, f"{QUARANTINE}/{unknown_site_item}/replay", confirm="yes")
    assert response.status_code == 302
    assert status_of(session, unknown_site_item) == "replayed"
    assert session.scalars(select(Event.event_id)).all() == ["e-1"]
    page = visible_text(admin.get(QUARANTINE).text)
    assert f"Item {unknown_site_item} replayed: 1 accepted, 0 already stored." in page
    assert "The quarantine is empty" in page


def test_replay_with_a_corrected_event_keeps_the_original_source(admin, unknown_site_item, session):
    corrected = json.dumps(event(1, site_id="S001"))
    post(admin, f"{QUARANTINE}/{unknown_site_item}/replay", corrected=corrected, confirm="yes")
    assert status_of(session, unknown_site_item) == "replayed"
    assert session.execute(select(Event.source, Event.event_id)).all() == [("pos", "e-1")]


def test_confirm_page_carries_the_correction_to_the_final_post(admin, unknown_site_item):
    corrected = json.dumps(event(1, site_id="S001"))
    page = post(admin, f"{QUARANTINE}/{unknown_site_item}/replay", corrected=corrected)
    assert 'name="corrected"' in page.text
    assert "S001" in page.text


def test_still_invalid_replay_shows_the_reasons_and_stays_open(admin, unknown_site_item, session):
    response = post(admin, f"{QUARANTINE}/{unknown_site_item}/replay", confirm="yes")
    assert response.status_code == 422
    assert "Not replayed. The event still does not validate. site_id: Unknown site." in (
        visible_text(response.text)
    )
    assert status_of(session, unknown_site_item) == "open"


def test_correction_that_is_not_json_is_shown_with_the_draft_kept(admin, unknown_site_item):
    path = f"{QUARANTINE}/{unknown_site_item}/replay"
    response = post(admin, path, corrected='{"event_id": ', confirm="yes")
    assert response.status_code == 422
    assert "The correction is not valid JSON" in visible_text(response.text)
    assert "{&#34;event_id&#34;:</textarea>" in response.text


def test_confirmed_discard_marks_the_item_discarded(admin, unknown_site_item, session):
    first = post(admin, f"{QUARANTINE}/{unknown_site_item}/discard")
    assert f"Discard quarantine item {unknown_site_item}?" in visible_text(first.text)
    assert status_of(session, unknown_site_item) == "open"
    response = post(admin, f"{QUARANTINE}/{unknown_site_item}/discard", confirm="yes")
    assert response.status_code == 302
    assert status_of(session, unknown_site_item) == "discarded"
    fresh(session)
    assert session.get(Quarantine, unknown_site_item).resolved_by == "admin-web"


def test_discarding_twice_says_it_is_already_done(admin, unknown_site_item):
    path = f"{QUARANTINE}/{unknown_site_item}/discard"
    post(admin, path, confirm="yes")
    post(admin, path, confirm="yes")
    assert f"Item {unknown_site_item} was not discarded" in visible_text(admin.get(QUARANTINE).text)


def test_quarantine_post_without_csrf_token_changes_nothing(admin, unknown_site_item, session):
    response = admin.post(f"{QUARANTINE}/{unknown_site_item}/discard", data={"confirm": "yes"})
    assert response.status_code == 400
    assert status_of(session, unknown_site_item) == "open"


def test_replaying_an_unknown_item_is_the_404_page(admin):
    response = post(admin, f"{QUARANTINE}/999/replay", confirm="yes")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.fixture
def unmapped(admin, send_events, session) -> str:
    send_events(
        [event(1, action="pos.giftcard.activate"), event(2, action="pos.giftcard.activate")]
    )
    return "pos.giftcard.activate"


def feature(session, action: str) -> Feature:
    fresh(session)
    return session.scalar(select(Feature).where(Feature.action == action))


def map_form(client, action: str, **fields):
    page = client.get("/admin/features")
    data = {"csrf_token": csrf_token(page.text), "action": action, "points": "1", **fields}
    return client.post("/admin/features", data=data)


def test_features_page_lists_unmapped_actions_with_their_event_count(admin, unmapped):
    text = visible_text(admin.get("/admin/features?tab=unmapped").text)
    assert "pos.giftcard.activate 2 events" in text
    assert "pos.sale.complete" not in text.split("Unmapped (", 1)[-1].split("events")[0]


def test_mapping_an_action_saves_every_field_and_removes_it_from_the_list(admin, unmapped, session):
    response = map_form(
        admin, unmapped, is_core="on", points="4", daily_cap="8", expected_ms="1500"
    )
    assert response.status_code == 302
    saved = feature(session, unmapped)
    assert (saved.mapped, saved.is_core, saved.points, saved.daily_cap, saved.expected_ms) == (
        True,
        True,
        4,
        8,
        1500,
    )
    assert saved.alias_of is None
    page = visible_text(admin.get("/admin/features?tab=unmapped").text)
    assert "pos.giftcard.activate is mapped." in page
    assert "Every action is mapped." in page


def test_mapping_as_an_alias_of_a_known_action(admin, unmapped, session):
    feature_records.put_feature(session, "pos.giftcard", {"is_core": True}, now=NOW)
    session.commit()
    map_form(admin, unmapped, alias_of="POS.Giftcard")
    assert feature(session, unmapped).alias_of == "pos.giftcard"


def test_mapping_with_empty_optional_fields_means_no_cap_and_not_core(admin, unmapped, session):
    map_form(admin, unmapped, points="2", daily_cap="", expected_ms="", alias_of="")
    saved = feature(session, unmapped)
    assert (saved.mapped, saved.is_core, saved.daily_cap, saved.expected_ms) == (
        True,
        False,
        None,
        None,
    )


def test_invalid_mapping_shows_the_field_errors_and_keeps_the_action_unmapped(
    admin, unmapped, session
):
    response = map_form(admin, unmapped, points="-1", daily_cap="lots")
    assert response.status_code == 422
    text = visible_text(response.text)
    assert "points: Must be greater than or equal to 0" in text
    assert "daily_cap: Not a valid integer." in text
    assert feature(session, unmapped).mapped is False


def test_alias_of_an_unknown_action_is_refused(admin, unmapped, session):
    response = map_form(admin, unmapped, alias_of="pos.giftcard.typo")
    assert response.status_code == 422
    assert "alias_of: No feature 'pos.giftcard.typo'." in visible_text(response.text)
    assert feature(session, unmapped).mapped is False


def test_blank_points_mean_not_given_not_0(admin, unmapped, session):
    """The API's default: an action seen in events holds points 1 until mapped; blank keeps it."""
    response = map_form(admin, unmapped, points="")
    assert response.status_code == 302
    saved = feature(session, unmapped)
    assert (saved.mapped, saved.points) == (True, 1)


def test_blank_points_keep_points_already_set(admin, unmapped, session):
    feature_records.put_feature(session, unmapped, {"points": 7}, now=NOW)
    session.commit()
    map_form(admin, unmapped, points="", is_core="on")
    saved = feature(session, unmapped)
    assert (saved.mapped, saved.points, saved.is_core) == (True, 7, True)


def test_alias_of_an_unknown_action_names_alias_of_like_the_api(admin, unmapped, client):
    page = map_form(admin, unmapped, alias_of="pos.giftcard.typo")
    assert page.status_code == 422
    assert "alias_of: No feature 'pos.giftcard.typo'." in visible_text(page.text)
