"""HR's champion pages: the months, a month's champions and reasons, close and reopen through the
confirm step, the CSV/XLSX downloads, and who may do what (NOW: Fri 2026-11-20 12:00 UTC)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from adoption.models import AuditLog
from rewards.models import ChampionPeriod
from tests.rewards.month_world import OCT, Month, utc
from tests.web.html import csrf_token, table_rows, visible_text

PAGE = f"/champions/{OCT}"
CSV_HEADER = b"month,site_id,user_id,display_name,points,score,rank_reason,status,version\r\n"
E1_REASON = "12 points, 5 active days, Expert (score 98.86); the only eligible employee"
E1_PLAIN = (
    "12 points at this store, active on 5 days, Expert (score 98.86); the only employee who met "
    "every condition."
)


@pytest.fixture
def month(session, page_clock) -> Month:
    """S1 with E1 (October's champion: 5 work days, 12 points), S2 with E2 (no activity)."""
    scn = Month(session).site("S1").site("S2").catalog()
    scn.person("E1", "S1", public_opt_out=True).person("E2", "S2")
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


@pytest.fixture
def hr(month, sign_in):
    return sign_in("hr")


def post(client, path: str, **fields):
    token = csrf_token(client.get("/logout").text)
    return client.post(path, data={"csrf_token": token, **fields})


def periods(session) -> list[tuple]:
    session.rollback()  # see what the requests committed
    return session.execute(
        select(ChampionPeriod.version, ChampionPeriod.status, ChampionPeriod.closed_by)
        .where(ChampionPeriod.month == OCT)
        .order_by(ChampionPeriod.version)
    ).all()


def audit(session, action: str) -> list[AuditLog]:
    session.rollback()
    return session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_months_run_from_the_first_month_with_events_to_the_current_one(hr):
    rows = table_rows(hr.get("/champions").text, "months")
    # Events from 2026-10-10; today is 2026-11-20, so November is still running.
    assert rows == [
        ["2026-11", "draft not over", "v1", "—", "CSV XLSX"],
        ["2026-10", "draft", "v1", "—", "CSV XLSX"],
    ]


def test_month_page_shows_each_sites_champion_with_points_score_and_reason(hr):
    rows = table_rows(hr.get(PAGE).text, "champions")
    # hr sees opted-out names
    assert rows[0] == ["S1 · Store S1", "E1 · Person E1", "12", "98.86", E1_PLAIN]
    assert rows[1][:4] == ["S2 · Store S2", "nobody", "—", "—"]
    assert rows[1][4].startswith("No champion:")


def test_month_page_shows_the_status_line_and_the_first_proficient(hr):
    text = visible_text(hr.get(PAGE).text)
    assert "Ready to close" in text
    assert "Version 1 · draft, computed live from today's data" in text
    assert "Champion rules 1, scoring rules 1; not eligible: manager" in text
    assert "Nobody became a site's first proficient employee this month." in text  # no go-live


def test_month_page_links_to_both_downloads_of_its_version(hr):
    html = hr.get(PAGE).text
    assert f'href="/champions/{OCT}/export.csv?version=1"' in html
    assert f'href="/champions/{OCT}/export.xlsx?version=1"' in html


def test_close_asks_for_confirmation_first_and_changes_nothing(hr, session):
    response = post(hr, f"{PAGE}/close")
    assert response.status_code == 200
    assert f"Close {OCT}?" in visible_text(response.text)
    assert 'name="confirm" value="yes"' in response.text
    assert periods(session) == []


def test_confirmed_close_freezes_the_month_and_names_who_closed_it(hr, session):
    response = post(hr, f"{PAGE}/close", confirm="yes")
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
    assert periods(session) == [(1, "closed", "hr-web")]
    text = visible_text(hr.get(PAGE).text)
    assert f"{OCT} is closed: version 1 is frozen." in text
    assert "Closed by hr-web on 2026-11-20 12:00 UTC (version 1)" in text
    assert [a.target for a in audit(session, "champions.close")] == [f"{OCT}/v1"]
    assert table_rows(hr.get("/champions").text, "months")[1][1:4] == [
        "closed",
        "v1",
        "2026-11-20 12:00 UTC by hr-web",
    ]


def test_closing_a_closed_month_again_changes_nothing(hr, session):
    post(hr, f"{PAGE}/close", confirm="yes")
    hr.get(PAGE)  # the first flash is shown
    post(hr, f"{PAGE}/close", confirm="yes")
    assert f"{OCT} was already closed (version 1); nothing changed." in visible_text(
        hr.get(PAGE).text
    )
    assert periods(session) == [(1, "closed", "hr-web")]


def test_a_running_month_says_why_it_cannot_close_and_offers_no_close(hr):
    html = hr.get("/champions/2026-11").text
    assert (
        "Not ready: 2 of 2 stores are still in the month (their last day ends at "
        "2026-12-01 00:00 UTC (midnight in UTC))"
    ) in visible_text(html)
    assert "/close" not in html


def test_closing_a_month_that_is_not_over_is_409_month_not_over(hr, session):
    response = post(hr, "/champions/2026-11/close", confirm="yes")
    assert response.status_code == 409
    assert "2026-11 was not closed: its last day has not ended at every store yet." in (
        visible_text(response.text)
    )
    session.rollback()
    assert session.scalars(select(ChampionPeriod)).all() == []


def test_close_without_the_forms_token_is_400_and_closes_nothing(hr, session):
    response = hr.post(f"{PAGE}/close", data={"confirm": "yes"})
    assert response.status_code == 400
    assert periods(session) == []


def test_hr_may_not_reopen_and_sees_no_reopen_form(hr, session):
    post(hr, f"{PAGE}/close", confirm="yes")
    assert "/reopen" not in hr.get(PAGE).text
    assert post(hr, f"{PAGE}/reopen", confirm="yes").status_code == 403
    assert periods(session) == [(1, "closed", "hr-web")]


def test_admin_reopens_a_closed_month_with_a_note_as_a_new_draft(month, sign_in, session):
    admin = sign_in("admin")
    post(admin, f"{PAGE}/close", confirm="yes")
    first = post(admin, f"{PAGE}/reopen", note="late events from S1")
    assert f"Reopen {OCT}?" in visible_text(first.text)
    assert 'name="note" value="late events from S1"' in first.text  # carried to the final POST
    assert periods(session) == [(1, "closed", "admin-web")]
    response = post(admin, f"{PAGE}/reopen", note="late events from S1", confirm="yes")
    assert response.status_code == 302
    assert periods(session) == [(1, "closed", "admin-web"), (2, "draft", None)]
    assert audit(session, "champions.reopen")[0].details["note"] == "late events from S1"
    text = visible_text(admin.get(PAGE).text)
    assert f"{OCT} is reopened as draft version 2." in text
    assert "Reopened: late events from S1" in text
    assert "Versions: v1 (closed) · v2 (draft)" in text


def test_an_older_version_is_shown_frozen_without_close_or_reopen(month, sign_in):
    admin = sign_in("admin")
    post(admin, f"{PAGE}/close", confirm="yes")
    post(admin, f"{PAGE}/reopen", confirm="yes")
    html = admin.get(f"{PAGE}?version=1").text
    assert "This is version 1. The newest is version 2" in visible_text(html)
    assert "Closed by admin-web on 2026-11-20 12:00 UTC (version 1)" in visible_text(html)
    assert "Version 1 of 2 · frozen for payroll" in visible_text(html)
    assert "/close" not in html and "/reopen" not in html
    assert table_rows(html, "champions")[0][:4] == [
        "S1 · Store S1",
        "E1 · Person E1",
        "12",
        "98.86",
    ]


def test_reopening_a_month_never_closed_says_so(month, sign_in, session):
    admin = sign_in("admin")
    post(admin, f"{PAGE}/reopen", confirm="yes")
    text = visible_text(admin.get(PAGE).text)
    assert f"{OCT} is not closed; only a closed month can be reopened." in text
    assert periods(session) == []


def test_csv_export_downloads_with_bom_header_and_draft_name_and_is_audited(hr, session):
    response = hr.get(f"{PAGE}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="champions-{OCT}-v1-DRAFT.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf" + CSV_HEADER)
    assert f'{OCT},S1,E1,Person E1,12,98.86,"{E1_REASON}",draft,1\r\n'.encode() in response.data
    (entry,) = audit(session, "champions.export")
    assert (entry.actor, entry.target, entry.details["format"]) == ("hr-web", f"{OCT}/v1", "csv")


def test_xlsx_export_of_a_closed_month_opens_in_a_spreadsheet(hr):
    post(hr, f"{PAGE}/close", confirm="yes")
    response = hr.get(f"{PAGE}/export.xlsx?version=1")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="champions-{OCT}-v1.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert next(sheet.iter_rows(values_only=True))[:3] == ("month", "site_id", "user_id")
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["S1", "S2"]


def test_an_unknown_export_format_is_the_404_page(hr):
    response = hr.get(f"{PAGE}/export.pdf")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "october", "2026-10-01", "0000-00"])
def test_a_malformed_month_is_the_404_page(hr, bad):
    response = hr.get(f"/champions/{bad}")
    assert response.status_code == 404
    assert "There is no such month" in visible_text(response.text)


@pytest.mark.parametrize("path", ["/champions/2026-13/export.csv", "/champions/2026-13/close"])
def test_a_malformed_month_is_404_for_its_export_and_close_too(hr, path):
    response = hr.get(path) if "export" in path else post(hr, path, confirm="yes")
    assert response.status_code == 404


@pytest.mark.parametrize("version", ["2", "0", "abc"])
def test_an_unknown_version_is_the_404_page(hr, version):
    assert hr.get(f"{PAGE}?version={version}").status_code == 404


@pytest.mark.parametrize(
    ("role", "scope"),
    [("manager", {"sites": ["S1"]}), ("employee", {"user_id": "E1"}), ("rollout_lead", {})],
)
@pytest.mark.parametrize("path", ["/champions", PAGE, f"{PAGE}/export.csv"])
def test_champion_pages_are_403_for_other_roles(month, sign_in, role, scope, path):
    response = sign_in(role, **scope).get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "Not allowed" in visible_text(response.text)


@pytest.mark.parametrize(("role", "scope"), [("manager", {"sites": ["S1"]}), ("rollout_lead", {})])
def test_closing_is_403_for_other_roles_even_with_a_token(month, sign_in, session, role, scope):
    client = sign_in(role, **scope)
    assert post(client, f"{PAGE}/close", confirm="yes").status_code == 403
    assert periods(session) == []
