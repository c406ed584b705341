"""HR's month page as HR reads it: site and employee names beside their codes, a status line
that says whether the month may close (reusing `month_status`), the Close button at the top
(disabled, with the reason, while a store is still in the month), a DRAFT banner until the
month is closed, and reasons in plain language, also for a store where nobody was eligible.

The world (NOW: Fri 2026-11-20 12:00 UTC): S1 Downtown (UTC, live since 10-01) with E1 Thomas
Taylor (12 points) and E3 Ann Lee (5 points), both Expert after five work days and both first
proficient on 10-14 (E1 wins the tie by user id); S2 Harbour (America/Los_Angeles) with E2 Bo
Chen, never active; S3 Quayside (UTC) with nobody based there.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from api.web.champion_text import plain_reason, plain_rules, readiness
from rewards.badges import award_badges
from rewards.champions.rules import Candidate, champion, conditions
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d, utc
from tests.web.html import csrf_token, table_rows, visible_text

PAGE = f"/champions/{OCT}"
CLOSE_ACTION = f'action="/champions/{OCT}/close"'
# 03:00 UTC on 11-01: October is over in UTC, still its last day in Los Angeles (20:00 PDT)
S2_STILL_IN_OCTOBER = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
INTERNAL = ("Nobody eligible", "“", "≥", "ineligible=", "champions-1", "rank_reason", "user id")


@pytest.fixture
def world(session, page_clock) -> Month:
    scn = Month(session).catalog()
    scn.site("S1", name="Downtown", go_live_on=d(1))
    scn.site("S2", "America/Los_Angeles", name="Harbour").site("S3", name="Quayside")
    scn.person("E1", "S1", display_name="Thomas Taylor").person("E3", "S1", display_name="Ann Lee")
    scn.person("E2", "S2", display_name="Bo Chen")
    scn.work("E1").work("E3").book("E1", 12, utc(14, 9)).book("E3", 5, utc(14, 10))
    award_badges(session, now=CLOSE_AT, as_of=d(31))
    session.commit()
    return scn


@pytest.fixture
def hr(world, sign_in):
    return sign_in("hr")


def post(client, path: str, **fields):
    token = csrf_token(client.get("/logout").text)
    return client.post(path, data={"csrf_token": token, **fields})


def top(html: str) -> str:
    """The page above the champions table: the head with the status line and the actions."""
    return html[: html.index('<table class="champions"')]


def test_every_champion_row_shows_the_site_and_person_names_beside_their_codes(hr):
    rows = table_rows(hr.get(PAGE).text, "champions")
    assert [row[:4] for row in rows] == [
        ["S1 · Downtown", "E1 · Thomas Taylor", "12", "98.86"],
        ["S2 · Harbour", "nobody", "—", "—"],
        ["S3 · Quayside", "nobody", "—", "—"],
    ]


def test_the_runner_up_in_a_reason_is_named_beside_its_code(hr):
    reason = table_rows(hr.get(PAGE).text, "champions")[0][4]
    assert reason == (
        "12 points at this store, active on 5 days, Expert (score 98.86); 7 points ahead of "
        "the runner-up, E3 · Ann Lee."
    )


def test_first_proficient_rows_show_the_site_and_person_names(hr):
    rows = table_rows(hr.get(PAGE).text, "first-proficient")
    assert rows == [["S1 · Downtown", "E1 · Thomas Taylor", "2026-10-14"]]


def test_sites_where_nobody_was_eligible_say_why_in_plain_language(hr):
    rows = table_rows(hr.get(PAGE).text, "champions")
    assert rows[1][4] == (
        "No champion: the only employee who could be champion used the system on fewer than 5 "
        "days in 2026-10 (the most was 0 days)."
    )
    assert rows[2][4] == "No champion: no employee has this store as home store."


def test_the_page_shows_no_internal_rule_strings(hr):
    text = visible_text(hr.get(PAGE).text)
    assert [word for word in INTERNAL if word in text] == []
    assert "Champion rules 1, scoring rules 1; not eligible: manager" in text


def test_a_month_over_everywhere_is_ready_to_close_with_close_at_the_top(hr):
    html = hr.get(PAGE).text
    head = top(html)
    assert "Ready to close" in visible_text(head)
    assert CLOSE_ACTION in head and html.count(CLOSE_ACTION) == 1  # at the top, once
    form = head[head.index(CLOSE_ACTION) : head.index("</form>", head.index(CLOSE_ACTION))]
    assert 'name="csrf_token"' in form
    assert f'data-confirm="Close {OCT}? The champions are frozen for payroll."' in head
    assert "disabled" not in form


def test_the_top_close_still_asks_first_then_closes(hr):
    assert "Close 2026-10?" in visible_text(post(hr, f"{PAGE}/close").text)
    assert post(hr, f"{PAGE}/close", confirm="yes").status_code == 302
    assert "Closed by hr-web on 2026-11-20 12:00 UTC (version 1)" in visible_text(
        top(hr.get(PAGE).text)
    )


def test_a_month_still_running_at_one_store_is_not_ready_and_says_until_when(hr, monkeypatch):
    monkeypatch.setattr("api.clock.utcnow", lambda: S2_STILL_IN_OCTOBER)
    head = top(hr.get(PAGE).text)
    text = visible_text(head)
    assert (
        "Not ready: 1 of 3 stores is still in the month (its last day ends at "
        "2026-11-01 07:00 UTC (midnight in America/Los_Angeles))"
    ) in text
    assert "Stores still in the month (1) S2 · Harbour" in text
    assert "Ready to close" not in text


def test_while_not_ready_the_top_close_is_disabled_with_the_reason(hr, monkeypatch):
    monkeypatch.setattr("api.clock.utcnow", lambda: S2_STILL_IN_OCTOBER)
    html = hr.get(PAGE).text
    head = top(html)
    assert "/close" not in html  # no form that could close it
    assert (
        '<button type="button" class="button danger" disabled '
        'aria-describedby="readiness close-why">Close 2026-10</button>'
    ) in head
    assert (
        "Close becomes available once every store's last day of 2026-10 has ended."
        in visible_text(head)
    )


def test_a_month_running_everywhere_counts_every_store_and_each_time_zone(hr):
    text = visible_text(top(hr.get("/champions/2026-11").text))
    assert (
        "Not ready: 3 of 3 stores are still in the month (their last day ends at "
        "2026-12-01 00:00 UTC (midnight in UTC) and 2026-12-01 08:00 UTC (midnight in "
        "America/Los_Angeles))"
    ) in text
    assert "Stores still in the month (3) S1 · Downtown S2 · Harbour S3 · Quayside" in text


def test_closing_too_early_is_409_with_the_not_ready_line(hr, monkeypatch):
    monkeypatch.setattr("api.clock.utcnow", lambda: S2_STILL_IN_OCTOBER)
    response = post(hr, f"{PAGE}/close", confirm="yes")
    assert response.status_code == 409
    text = visible_text(response.text)
    assert "2026-10 was not closed: its last day has not ended at every store yet." in text
    assert "Not ready: 1 of 3 stores is still in the month" in text


def test_a_draft_shows_the_draft_banner_and_a_closed_month_does_not(hr):
    banner = "DRAFT — not for payroll."
    assert banner in visible_text(top(hr.get(PAGE).text))
    post(hr, f"{PAGE}/close", confirm="yes")
    html = hr.get(PAGE).text
    assert banner not in visible_text(html)
    assert CLOSE_ACTION not in html and "disabled" not in top(html)


def test_the_pages_draft_downloads_are_marked_draft(hr):
    csv = hr.get(f"{PAGE}/export.csv")
    assert (
        csv.headers["Content-Disposition"] == f'attachment; filename="champions-{OCT}-v1-DRAFT.csv"'
    )
    xlsx = hr.get(f"{PAGE}/export.xlsx")
    assert xlsx.headers["Content-Disposition"] == (
        f'attachment; filename="champions-{OCT}-v1-DRAFT.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.title == f"DRAFT champions {OCT}"
    assert sheet.cell(row=1, column=1).value.startswith("DRAFT — not for payroll")


def test_a_closed_month_keeps_names_and_plain_reasons_from_its_frozen_rows(hr, session):
    post(hr, f"{PAGE}/close", confirm="yes")
    rows = table_rows(hr.get(PAGE).text, "champions")
    assert [row[:2] for row in rows] == [
        ["S1 · Downtown", "E1 · Thomas Taylor"],
        ["S2 · Harbour", "nobody"],
        ["S3 · Quayside", "nobody"],
    ]
    assert rows[0][4].endswith("7 points ahead of the runner-up, E3 · Ann Lee.")
    assert rows[2][4] == "No champion: no employee has this store as home store."


def test_an_admin_reopens_and_the_new_draft_is_ready_to_close_again(world, sign_in):
    admin = sign_in("admin")
    post(admin, f"{PAGE}/close", confirm="yes")
    assert "/reopen" in admin.get(PAGE).text
    post(admin, f"{PAGE}/reopen", confirm="yes")
    head = top(admin.get(PAGE).text)
    assert "DRAFT — not for payroll." in visible_text(head)
    assert "Ready to close" in visible_text(head) and CLOSE_ACTION in head


def test_hr_sees_no_reopen_on_a_closed_month(hr):
    post(hr, f"{PAGE}/close", confirm="yes")
    assert "/reopen" not in hr.get(PAGE).text


def candidate(user_id: str, points: int = 10, **values) -> Candidate:
    """An eligible October candidate unless `values` say otherwise."""
    fields = {
        "employee_id": int(user_id[1:]),
        "user_id": user_id,
        "display_name": f"Name {user_id}",
        "role": "staff",
        "rostered": True,
        "employed": True,
        "active_days": 6,
        "points": points,
        "score": 90.0,
        "level": "Expert",
        "last_earned_at": utc(20, 9),
        **values,
    }
    return Candidate(**fields)


def reason_of(people: list[Candidate]) -> str:
    """The rank reason `rewards.champions.rules` writes for a site S1 with these people."""
    tests = conditions(OCT, d(31), ("manager",))
    return champion("S1", people, tests)["rank_reason"]


def names(code: str) -> str:
    return f"{code} · Name {code}"


TIE = {"points": 10, "score": 90.0, "active_days": 6}
REASONS = [  # people → the reason HR reads; one case per sentence rules.py writes
    (
        [candidate("E1")],
        "10 points at this store, active on 6 days, Expert (score 90.00); the only employee who "
        "met every condition.",
    ),
    (
        [candidate("E1", 11), candidate("E2")],
        "11 points at this store, active on 6 days, Expert (score 90.00); 1 point ahead of the "
        "runner-up, E2 · Name E2.",
    ),
    (
        [candidate("E2", score=91.5), candidate("E1")],
        "10 points at this store, active on 6 days, Expert (score 91.50); tied with E1 · Name E1 "
        "on points; won on the higher score (91.50 vs 90.00).",
    ),
    (
        [candidate("E2", active_days=7), candidate("E1")],
        "10 points at this store, active on 7 days, Expert (score 90.00); tied with E1 · Name E1 "
        "on points and score; won on more active days (7 vs 6).",
    ),
    (
        [candidate("E2", last_earned_at=utc(3, 8)), candidate("E1")],
        "10 points at this store, active on 6 days, Expert (score 90.00); tied with E1 · Name E1 "
        "on points, score and active days; won by earning their last points at this store "
        "earlier (2026-10-03 08:00 UTC vs 2026-10-20 09:00 UTC).",
    ),
    (
        [candidate("E2"), candidate("E1")],
        "10 points at this store, active on 6 days, Expert (score 90.00); tied with E2 · Name E2 "
        "on points, score, active days and time of last points; tied on everything, so the lower "
        "employee code goes first (E1 vs E2).",
    ),
    ([], "No champion: no employee has this store as home store."),
    (
        [candidate("E1", rostered=False)],
        "No champion: the only employee based here is not on the HR roster.",
    ),
    (
        [candidate("E1", employed=False), candidate("E2", employed=False)],
        "No champion: none of the 2 employees on the HR roster was employed on 2026-10-31.",
    ),
    (
        [candidate("E1", role="manager"), candidate("E2", role="manager")],
        "No champion: all 2 employees on the roster and employed at month end hold a role that "
        "may not be champion (manager).",
    ),
    (
        [candidate("E1", active_days=3), candidate("E2", active_days=1)],
        "No champion: none of the 2 employees who could be champion used the system on 5 days or "
        "more in 2026-10 (the most was 3 days).",
    ),
    (
        [
            candidate("E1", level="Competent", score=61.2),
            candidate("E2", level="Developing", score=40.0),
        ],
        "No champion: none of the 2 employees with enough active days was Proficient or above on "
        "2026-10-31 (the best was Competent, score 61.20).",
    ),
    (
        [candidate("E1", level="Not started", score=None)],
        "No champion: the only employee with enough active days was not Proficient or above on "
        "2026-10-31 (the best was Not started).",
    ),
]


@pytest.mark.parametrize(("people", "plain"), REASONS)
def test_every_reason_rules_writes_reads_in_plain_language(people, plain):
    text = reason_of(people)
    assert plain_reason(text, names) == plain
    assert [word for word in INTERNAL if word in plain] == []


def test_a_reason_in_an_unknown_form_is_shown_as_stored():
    assert plain_reason("Chosen by the regional manager.", names) == (
        "Chosen by the regional manager."
    )


@pytest.mark.parametrize(
    ("version", "plain"),
    [
        ("champions-1/scoring-2/ineligible=manager", "Champion rules 1, scoring rules 2; "
         "not eligible: manager"),
        ("champions-1/scoring-1/ineligible=admin,manager", "Champion rules 1, scoring rules 1; "
         "not eligible: admin, manager"),
        ("champions-1/scoring-1/ineligible=", "Champion rules 1, scoring rules 1; "
         "every role is eligible"),
    ],
)  # fmt: skip
def test_the_rules_version_reads_in_words(version, plain):
    assert plain_rules(version) == plain


def review_of(running: list[str], month: str = "2026-12") -> SimpleNamespace:
    """The fields of a draft MonthReview that `readiness` reads."""
    return SimpleNamespace(
        month=month,
        status="draft",
        version=1,
        closed_at=None,
        closed_by=None,
        can_close=not running,
        running_sites=running,
    )


def test_stores_whose_day_ends_at_the_same_instant_are_said_together():
    sites = {
        "S1": ("A", "Europe/London"),
        "S2": ("B", "Europe/Lisbon"),
        "S3": ("C", "Europe/Berlin"),
    }
    ready = readiness(review_of(["S1", "S2", "S3"]), sites)
    assert ready.text == (
        "Not ready: 3 of 3 stores are still in the month (their last day ends at 2026-12-31 "
        "23:00 UTC (midnight in Europe/Berlin) and 2027-01-01 00:00 UTC (midnight in "
        "Europe/Lisbon, Europe/London))"
    )
    assert ready.waiting == ["S1 · A", "S2 · B", "S3 · C"]


def test_without_any_store_utc_decides():
    ready = readiness(review_of(["UTC"]), {})
    assert (ready.state, ready.waiting) == ("waiting", [])
    assert ready.text == (
        "Not ready: 2026-12 has not ended yet (it ends at 2027-01-01 00:00 UTC (midnight in UTC))"
    )
