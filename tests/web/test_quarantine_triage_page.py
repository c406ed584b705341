"""The quarantine page at scale: totals by reason and source, filters, a compact list whose
payloads are on each item's page, "replay as stored" only where the reason no longer applies,
and bulk replay or discard of the filtered set behind a dry-run confirm step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adoption.models import AuditLog, Event, Quarantine
from tests.helpers import event
from tests.web.html import csrf_token, visible_text

QUARANTINE = "/admin/quarantine"
NEGATIVE = "duration_ms: Must be greater than or equal to 0 and less than or equal to 86400000."


@pytest.fixture
def admin(make_site, make_employee, sign_in, send_events):
    """Quarantined: 3 events of the unknown site S404 and 2 with a negative duration (pos)."""
    make_site("S001")
    make_employee("E001", "S001")
    client = sign_in("admin")
    unknown = [event(n, site_id="S404") for n in (1, 2, 3)]
    negative = [event(n, duration_ms=-1) for n in (4, 5)]
    assert send_events([*unknown, *negative]).get_json()["quarantined"] == 5
    return client


def items(session, status: str = "open") -> list[str]:
    session.rollback()  # a new transaction sees what the requests committed
    stmt = select(Quarantine.event_id).where(Quarantine.status == status).order_by(Quarantine.id)
    return list(session.scalars(stmt))


def post(client, path: str, **fields):
    token = csrf_token(client.get(QUARANTINE).text)
    return client.post(path, data={"csrf_token": token, **fields})


def test_the_page_totals_items_by_reason_and_by_source(admin):
    text = visible_text(admin.get(QUARANTINE).text)
    assert "5 items match the filter." in text
    assert "By reason Reason Items site_id: Unknown site. 3 " + NEGATIVE + " 2" in text
    assert "By source Source Items pos 5" in text


def test_filters_narrow_the_list_and_the_totals(admin):
    text = visible_text(admin.get(f"{QUARANTINE}?site=s404").text)
    assert "3 items match the filter." in text
    assert "e-" not in text  # a compact row: no payload on the list
    assert text.count("still fails") == 3
    by_reason = visible_text(admin.get(QUARANTINE, query_string={"reason": NEGATIVE}).text)
    assert "2 items match the filter." in by_reason
    assert "No item matches the filter." in visible_text(admin.get(f"{QUARANTINE}?source=crm").text)
    assert "0 items" in visible_text(admin.get(f"{QUARANTINE}?received_to=2000-01-01").text)


def test_a_date_that_does_not_read_is_left_out_and_said(admin):
    response = admin.get(f"{QUARANTINE}?received_from=2026-13-01")
    assert response.status_code == 200
    text = visible_text(response.text)
    assert "2026-13-01 does not read as a filter: left out." in text
    assert "5 items match the filter." in text


def test_the_reason_links_keep_the_other_criteria(admin):
    page = admin.get(f"{QUARANTINE}?source=pos").text
    assert "/admin/quarantine?source=pos&amp;status=open&amp;reason=site_id" in page


def test_replay_as_stored_is_offered_only_once_the_reason_no_longer_applies(
    admin, session, make_site
):
    session.rollback()
    first = session.scalar(select(Quarantine.id).order_by(Quarantine.id))
    page = visible_text(admin.get(f"{QUARANTINE}/{first}").text)
    assert "Replayed as stored now, it would still fail" in page
    assert "Replay as stored" not in page
    assert "Correct and replay" in page
    make_site("S404")
    page = visible_text(admin.get(f"{QUARANTINE}/{first}").text)
    assert "The reason no longer applies: replayed as stored now, it would pass." in page
    assert "Replay as stored" in page
    assert admin.get(QUARANTINE).text.count('<span class="pill ok">would pass</span>') == 3


def test_bulk_replay_confirms_with_the_dry_run_then_replays_what_passes(admin, session, make_site):
    make_site("S404")
    confirm = post(admin, f"{QUARANTINE}/replay", status="open")
    text = visible_text(confirm.text)
    assert "Replay 3 items as stored?" in text
    assert "Of the 5 open items the filter selects, 3 would pass as stored now" in text
    assert f"2 would still fail and stay open: {NEGATIVE} (2)." in text
    assert items(session) == ["e-1", "e-2", "e-3", "e-4", "e-5"]  # nothing changed yet
    done = post(admin, f"{QUARANTINE}/replay", status="open", confirm="yes")
    assert done.status_code == 302
    assert items(session) == ["e-4", "e-5"]
    assert sorted(session.scalars(select(Event.event_id))) == ["e-1", "e-2", "e-3"]
    flashed = visible_text(admin.get(done.headers["Location"]).text)
    assert "3 items replayed: 3 events accepted, 0 already stored; 2 items still fail" in flashed
    audited = select(AuditLog.action).where(AuditLog.target_type == "quarantine")
    assert session.scalars(audited).all() == ["quarantine.bulk_replay"]


def test_bulk_replay_says_so_when_none_would_pass(admin, session):
    response = post(admin, f"{QUARANTINE}/replay", site="S404")
    assert response.status_code == 302
    text = visible_text(admin.get(response.headers["Location"]).text)
    assert "None of the 3 open items the filter selects would pass as stored now" in text
    assert len(items(session)) == 5


def test_bulk_discard_takes_the_filtered_set_only(admin, session):
    confirm = post(admin, f"{QUARANTINE}/discard", reason=NEGATIVE)
    assert "Discard 2 items?" in visible_text(confirm.text)
    assert f'name="reason" value="{NEGATIVE}"' in confirm.text  # the confirm re-posts the filter
    assert len(items(session)) == 5
    done = post(admin, f"{QUARANTINE}/discard", reason=NEGATIVE, confirm="yes")
    assert "reason=duration_ms" in done.headers["Location"]  # back to the same filter
    assert items(session, "discarded") == ["e-4", "e-5"]
    assert "2 items discarded." in visible_text(admin.get(QUARANTINE).text)


def test_the_bulk_forms_carry_the_filter_and_appear_only_for_open_items(admin):
    page = admin.get(f"{QUARANTINE}?site=S404").text
    assert page.count('<input type="hidden" name="site" value="S404">') == 2
    assert "Discard all 3…" in visible_text(page)
    assert "Replay all that would pass" not in admin.get(f"{QUARANTINE}?status=replayed").text


def test_a_closed_item_is_shown_with_who_closed_it_and_no_actions(admin, session):
    session.rollback()
    first = session.scalar(select(Quarantine.id).order_by(Quarantine.id))
    post(admin, f"{QUARANTINE}/{first}/discard", confirm="yes")
    text = visible_text(admin.get(f"{QUARANTINE}/{first}").text)
    assert "discarded" in text and "by admin-web" in text
    assert "Discard" not in text.replace("discarded", "")
    assert "Correct and replay" not in text


def test_an_unknown_item_page_is_the_404_page(admin):
    assert admin.get(f"{QUARANTINE}/999999").status_code == 404


@pytest.mark.parametrize("role", ["hr", "rollout_lead"])
def test_only_admins_see_the_quarantine(sign_in, make_site, make_employee, role):
    make_site("S001")
    make_employee("E001", "S001")
    client = sign_in(role)
    assert client.get(QUARANTINE).status_code == 403
    assert client.get(f"{QUARANTINE}/1").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"received_to": "9999-12-31"},
        {"received_from": "0001-01-01"},
        {"reason": "a\x00b"},
        {"site": "\x00"},
        {"source": "pos\x00"},
        {"after": "²"},
        {"after": "9" * 30},
    ],
)
def test_a_filter_no_database_can_take_is_left_out_not_a_500(admin, query):
    response = admin.get(QUARANTINE, query_string=query)
    assert response.status_code == 200
    assert "5 items match the filter." in visible_text(response.text)


def test_a_hostile_filter_on_a_bulk_post_is_left_out_too(admin, session):
    response = post(admin, f"{QUARANTINE}/discard", received_to="9999-12-31", site="\x00")
    assert "Discard 5 items?" in visible_text(response.text)
    assert len(items(session)) == 5


def test_a_confirmed_bulk_action_takes_the_items_the_dry_run_counted_only(
    admin, session, send_events
):
    confirm = post(admin, f"{QUARANTINE}/discard", reason=NEGATIVE)
    assert "Discard 2 items?" in visible_text(confirm.text)
    session.rollback()
    newest = session.scalar(select(Quarantine.id).order_by(Quarantine.id.desc()))
    assert f'name="up_to_id" value="{newest}"' in confirm.text
    send_events([event(6, duration_ms=-7)])  # arrives while the admin reads the question
    post(admin, f"{QUARANTINE}/discard", reason=NEGATIVE, up_to_id=str(newest), confirm="yes")
    assert items(session, "discarded") == ["e-4", "e-5"]
    assert "e-6" in items(session)  # never counted, never discarded


def test_paging_past_the_end_does_not_say_the_quarantine_is_empty(admin):
    text = visible_text(admin.get(f"{QUARANTINE}?after=999999").text)
    assert "No item matches the filter." in text
    assert "The quarantine is empty" not in text
