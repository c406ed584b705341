"""The store display's domain (`rewards.display`): links, aliases, pages, celebrations.

S1 (UTC) in October 2026, hand-booked points: Thomas Taylor 30, Tina Turner 20, Ann Lee 10,
Hidden Person (opted out) 40, Theo Thompson 0. NOW is 2026-10-20 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.errors import Conflict, Invalid, NotFound
from adoption.identity import credentials
from adoption.masterdata import records
from adoption.scoring.proficiency import DayScore
from rewards import display
from rewards.display import (
    alias_of,
    aliases,
    celebrations,
    create_display,
    display_board,
    display_site,
    get_display,
    list_displays,
    revoke_display,
    revoke_named,
)
from rewards.models import BadgeAward
from rewards.points_config import create_points_rules
from tests.rewards.month_world import Month, d, utc

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
PEOPLE = {  # user id → (display name, October points)
    "E1": ("Thomas Taylor", 30),
    "E2": ("Tina Turner", 20),
    "E3": ("Ann Lee", 10),
    "E5": ("Theo Thompson", 0),
}


@pytest.fixture
def scn(session) -> Month:
    scn = Month(session).site("S1").site("S2").catalog()
    for user, (name, _points) in PEOPLE.items():
        scn.person(user, "S1", display_name=name)
    scn.person("E4", "S1", display_name="Hidden Person", public_opt_out=True)
    scn.person("E9", "S2", display_name="Tom Tyler")
    session.commit()
    for user, (_name, points) in PEOPLE.items():
        if points:
            scn.book(user, points, utc(5, 9))
    scn.book("E4", 40, utc(6, 9))
    return scn


def site(scn: Month, code: str = "S1"):
    return records.get_site(scn.session, code)


def names(board) -> list[tuple[int, str, int]]:
    return [(r.rank, r.name, r.value) for page in board.pages for r in page]


@pytest.mark.parametrize(
    ("name", "alias"),
    [
        ("Thomas Taylor", "T. T."),
        ("Taylor, Thomas", "T. T."),
        ("Mary Ann van der Berg", "M. B."),
        ("Ann", "A."),
        ("  élodie   ørsted ", "É. Ø."),
        ("-- --", "?"),
    ],
)
def test_an_alias_is_the_first_name_initial_and_the_surname_initial(name, alias):
    assert alias_of(name) == alias


def test_people_sharing_an_alias_are_numbered_by_user_id():
    got = aliases([(7, "E2", "Tina Turner"), (3, "E5", "Theo Thompson"), (9, "E1", "Tom T")])
    assert got == {9: "T. T.", 7: "T. T. 2", 3: "T. T. 3"}


def test_the_board_shows_aliases_ranks_and_points_and_the_opted_out_as_anonymous(scn):
    board = display_board(scn.session, site(scn), now=NOW, since=None)
    assert board.names == "aliases"
    assert names(board) == [
        (1, "Anonymous", 40),
        (2, "T. T.", 30),  # E1
        (3, "T. T. 2", 20),  # E2
        (4, "A. L.", 10),
        (5, "T. T. 3", 0),  # E5; Tom Tyler of S2 is on another board
    ]
    assert board.period == "2026-10" and board.month_label == "October 2026"


def test_display_names_on_shows_names_but_an_opted_out_person_stays_anonymous(scn):
    create_points_rules(scn.session, {"display_names": True}, now=NOW, actor="test")
    board = display_board(scn.session, site(scn), now=NOW, since=None)
    assert board.names == "names"
    assert [n for _, n, _ in names(board)] == [
        "Anonymous",
        "Thomas Taylor",
        "Tina Turner",
        "Ann Lee",
        "Theo Thompson",
    ]


def test_rows_are_paged_and_top_shows_the_rows_just_below_the_line(scn):
    paged = display_board(scn.session, site(scn), now=NOW, since=None, per_page=3)
    assert [[r.rank for r in page] for page in paged.pages] == [[1, 2, 3], [4, 5]]
    top = display_board(scn.session, site(scn), now=NOW, since=None, top=1)
    assert [[r.rank for r in page] for page in top.pages] == [[1]]
    assert [r.rank for r in top.below_line] == [2, 3, 4]


def test_per_page_and_top_outside_their_range_name_the_field():
    with pytest.raises(Invalid) as per_page:
        display.check_view(2, None)
    with pytest.raises(Invalid) as top:
        display.check_view(None, 101)
    assert set(per_page.value.details) == {"per_page"} and set(top.value.details) == {"top"}


def test_rank_change_is_against_last_month_and_new_without_a_rank_then(scn):
    scn.book("E3", 50, utc(20, 9, month=9))  # September: Ann first, everyone else unranked 0s
    rows = {
        r.name: r
        for page in display_board(scn.session, site(scn), now=NOW, since=None).pages
        for r in page
    }
    assert (rows["A. L."].previous_rank, rows["A. L."].change) == (1, -3)
    assert rows["Anonymous"].previous_rank is None and rows["Anonymous"].change is None


def test_a_site_before_its_go_live_shows_the_day_and_no_board(scn):
    records.put_site(
        scn.session, "S1", {"go_live_on": date(2026, 11, 2)}, now=NOW, actor="t", default_tz="UTC"
    )
    board = display_board(scn.session, site(scn), now=NOW, since=NOW - timedelta(hours=1))
    assert board.goes_live_on == date(2026, 11, 2)
    assert board.pages == [] and board.celebrations == []


def test_updated_is_in_the_sites_time_zone(scn):
    records.put_site(
        scn.session, "S2", {"timezone": "Europe/Berlin"}, now=NOW, actor="t", default_tz="UTC"
    )
    board = display_board(scn.session, site(scn, "S2"), now=NOW, since=None)
    assert board.updated.strftime("%H:%M") == "14:00"  # CEST in October


def award(scn: Month, user: str, badge: str, created_at: datetime) -> None:
    emp = records.get_employee(scn.session, user)
    scn.session.add(
        BadgeAward(
            employee_id=emp.id,
            badge=badge,
            site_id=emp.site_id,
            awarded_on=created_at.date(),
            evidence={},
            created_at=created_at,
        )
    )
    scn.session.commit()


def test_badges_recorded_after_since_are_celebrated_and_earlier_ones_not(scn):
    since = NOW - timedelta(minutes=1)
    award(scn, "E1", "explorer", since - timedelta(seconds=1))
    award(scn, "E2", "expert", since + timedelta(seconds=30))
    award(scn, "E4", "proficient", since + timedelta(seconds=30))  # opted out: never celebrated
    board = display_board(scn.session, site(scn), now=NOW, since=since)
    assert [(c.kind, c.name, c.title) for c in board.celebrations] == [
        ("badge", "T. T. 2", "Expert")
    ]
    assert display_board(scn.session, site(scn), now=NOW, since=None).celebrations == []


def test_celebrations_look_back_at_most_a_day(scn):
    award(scn, "E1", "explorer", NOW - timedelta(hours=30))
    board = display_board(scn.session, site(scn), now=NOW, since=NOW - timedelta(days=3))
    assert board.celebrations == []


def test_a_level_up_is_celebrated_once_its_day_has_ended(scn):
    # E1 works 10-01 … 10-05 (pos.sale, the one core feature): 20 core attempts on 10-05, Expert
    # that day (98.86); 16 the day before, too few for Proficient or Expert.
    scn.work("E1", days=(1, 2, 3, 4, 5))
    shown = {records.get_employee(scn.session, "E1").id: "T. T."}
    midnight = datetime(2026, 10, 6, tzinfo=UTC)
    found = celebrations(
        scn.session, site(scn), shown, since=midnight - timedelta(minutes=1), now=midnight
    )
    assert [(c.kind, c.name, c.title) for c in found] == [("level", "T. T.", "Expert")]
    later = celebrations(
        scn.session, site(scn), shown, since=midnight, now=midnight + timedelta(minutes=1)
    )
    assert later == []


def test_a_level_up_compares_the_score_day_with_the_day_before(scn, monkeypatch):
    def levels(_session, days, _rules, *_args):
        day = next(iter(days.values()))
        level = {d(19): "Developing", d(18): "Not started"}[day]
        return {eid: DayScore(eid, day, None, level, 0) for eid in days}

    monkeypatch.setattr(display, "stored_scores_on", levels)
    found = celebrations(
        scn.session, site(scn), {1: "A. B."}, since=NOW - timedelta(hours=13), now=NOW
    )
    assert [(c.name, c.title) for c in found] == [("A. B.", "Developing")]


def test_a_link_opens_its_site_until_revoked_or_expired(scn):
    link, plain = create_display(
        scn.session, site(scn), name=None, expires_in_days=2, now=NOW, actor="t"
    )
    assert link.name == "S1-tv" and link.status == "live" and plain.startswith("upt_")
    assert display_site(scn.session, plain, now=NOW).code == "S1"
    assert display_site(scn.session, plain, now=NOW + timedelta(days=2)) is None  # expired
    assert display_site(scn.session, plain + "x", now=NOW) is None
    revoke_display(
        scn.session, get_display(scn.session, link.id, site_ids=None), now=NOW, actor="t"
    )
    assert display_site(scn.session, plain, now=NOW) is None
    assert [x.status for x in list_displays(scn.session, site_ids=None, now=NOW)] == ["revoked"]


def test_another_kind_of_token_is_no_display_link(scn):
    token, plain = credentials.create_token(scn.session, role="admin", name="root", now=NOW)
    assert display_site(scn.session, plain, now=NOW) is None
    with pytest.raises(NotFound):
        get_display(scn.session, token.id, site_ids=None)


def test_a_live_name_is_unique_per_site_and_revoke_by_name_needs_the_site_when_shared(scn):
    create_display(scn.session, site(scn), name="tv", expires_in_days=None, now=NOW, actor="t")
    with pytest.raises(Conflict):
        create_display(scn.session, site(scn), name="tv", expires_in_days=None, now=NOW, actor="t")
    create_display(
        scn.session, site(scn, "S2"), name="tv", expires_in_days=None, now=NOW, actor="t"
    )
    with pytest.raises(Invalid) as shared:
        revoke_named(scn.session, "tv", site_code=None, now=NOW, actor="t")
    assert set(shared.value.details) == {"site"}
    revoked = revoke_named(scn.session, "tv", site_code="S2", now=NOW, actor="t")
    assert [(x.site_id, x.status) for x in revoked] == [("S2", "revoked")]
    with pytest.raises(Invalid) as bad:
        create_display(scn.session, site(scn), name=" ", expires_in_days=None, now=NOW, actor="t")
    assert set(bad.value.details) == {"name"}


def test_display_links_of_a_site_are_listed_for_it_only(scn):
    for code in ("S1", "S2"):
        create_display(
            scn.session, site(scn, code), name=None, expires_in_days=None, now=NOW, actor="t"
        )
    listed = list_displays(scn.session, site_ids={site(scn, "S2").id}, now=NOW)
    assert [x.site_id for x in listed] == ["S2"]
    with pytest.raises(NotFound):
        get_display(scn.session, listed[0].id, site_ids={site(scn).id})
    assert scn.session.scalar(select(BadgeAward.id)) is None
