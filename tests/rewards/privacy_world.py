"""A small chain for the privacy tests (forgetting a person, purging old events), and `numbers`:
every figure the screens show, keyed by row ids rather than names, so that two calls compare.

S1 has Anna and Bert, S2 has Carl; ids and names are distinctive, so a scan of the database for
them finds nothing else. October 2026 is worked and closed (Anna is S1's champion with 15 tip
points, ahead of Bert's 10); November is open, with work on 11-02 … 11-06.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from adoption.masterdata import records
from adoption.models import DailyUsage, ScoreSnapshot
from adoption.scoring.proficiency import employee_proficiency
from adoption.scoring.rules import load_rules
from adoption.scoring.snapshots import snapshot_scores
from adoption.usage.by_site import adoption_by_site
from rewards.badges import award_badges
from rewards.board_cache import BOARDS
from rewards.champions.months import close_month, compute_month, get_month
from rewards.leaderboards import ranked_board
from rewards.models import BadgeAward, ChampionEntry, PointsLedger, PointsTotal
from rewards.points import derive_points_job
from tests.rewards.month_world import CLOSE_AT, OCT, Month, d

ANNA, BERT, CARL = "POS-4711-ANNA", "POS-0815-BERT", "POS-1234-CARL"
NAMES = {ANNA: "Anna Beispiel", BERT: "Bert Muster", CARL: "Carl Probe"}
HOMES = {ANNA: "S1", BERT: "S1", CARL: "S2"}
NOW = CLOSE_AT  # 2026-11-20 12:00 UTC
NOV = "2026-11"


def build(session) -> Month:
    scn = Month(session).site("S1").site("S2")
    for user, site in HOMES.items():
        scn.person(user, site, display_name=NAMES[user])
    scn.catalog()
    scn.work(ANNA).work(BERT, errors=2).work(CARL)
    scn.tip(ANNA, d(13), times=3).tip(BERT, d(13), times=2).tip(CARL, d(14))  # 15, 10, 5 points
    scn.work(ANNA, days=(2, 3, 4, 5, 6), month=11).work(BERT, days=(3, 4), month=11)
    scn.tip(ANNA, d(4, 11), times=2)
    derive_points_job(session, now=NOW)
    snapshot_scores(session, now=NOW)
    award_badges(session, now=NOW, as_of=date(2026, 11, 19))
    close_month(session, OCT, now=NOW, actor="hr")
    session.commit()
    return scn


def build_tied(session) -> Month:
    """S1 only: Anna and Bert did the same work, so both were first proficient on the same day
    with the same score; Bert (the lower user id) has the badge, naming Anna as tied."""
    scn = Month(session).site("S1", go_live_on=d(1))
    for user in (ANNA, BERT):
        scn.person(user, "S1", display_name=NAMES[user])
    scn.catalog()
    scn.work(ANNA).work(BERT)
    award_badges(session, now=NOW, as_of=date(2026, 11, 19))
    session.commit()
    return scn


def employee_pk(session, user_id: str) -> int:
    return records.get_employee(session, user_id).id


def numbers(session, now: datetime = NOW, months=(OCT, NOV)) -> dict:
    """Every figure shown: point totals and ledger sums, rollups, stored scores, badges, boards,
    adoption rows, champions (frozen and live) and each person's proficiency."""
    BOARDS.clear()  # a cached board would hide a change
    rules = load_rules(session)
    people = {e.id: e for e in records.list_employees(session, limit=100)}
    return {
        "totals": _rows(session, select(PointsTotal).order_by(*PointsTotal.__table__.primary_key)),
        "ledger": session.execute(
            select(
                PointsLedger.employee_id,
                PointsLedger.site_id,
                PointsLedger.local_day,
                func.sum(PointsLedger.points),
            )
            .group_by(PointsLedger.employee_id, PointsLedger.site_id, PointsLedger.local_day)
            .order_by(PointsLedger.employee_id, PointsLedger.site_id, PointsLedger.local_day)
        ).all(),
        "rollups": _rows(session, select(DailyUsage).order_by(*DailyUsage.__table__.primary_key)),
        "snapshots": _rows(
            session, select(ScoreSnapshot).order_by(*ScoreSnapshot.__table__.primary_key)
        ),
        "badges": _rows(session, select(BadgeAward).order_by(BadgeAward.id)),
        "boards": _boards(session, now),
        "adoption": adoption_by_site(
            session, now=now, rules=rules, first=date(2026, 10, 1), last=date(2026, 11, 19)
        ),
        "frozen": _rows(session, select(ChampionEntry).order_by(ChampionEntry.id), skip=_NAMED),
        "months": {m: _champions(session, m, now) for m in months},
        "proficiency": {
            pk: {
                k: v
                for k, v in employee_proficiency(session, e, date(2026, 11, 15), rules).items()
                if k != "user_id"
            }
            for pk, e in people.items()
        },
    }


_NAMED = {"user_id", "display_name", "rank_reason", "details"}


def _rows(session, stmt, skip=frozenset()) -> list[dict]:
    return [
        {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}
        for row in session.scalars(stmt)
    ]


def _boards(session, now: datetime) -> dict:
    boards = {}
    for scope in ("site:S1", "site:S2", "chain"):
        for period in (OCT, NOV, "all"):
            for metric in ("points", "proficiency", "improvement"):
                board = ranked_board(session, scope=scope, period=period, metric=metric, now=now)
                boards[scope, period, metric] = sorted(
                    (e.employee_id, rank, e.value) for rank, e in board.ranked
                )
    return boards


def _champions(session, month: str, now: datetime) -> list[tuple]:
    shown = get_month(session, month, now=now)
    live = compute_month(session, month, now=now)
    return [(c["site_id"], c["points"], c["score"]) for c in shown["champions"]] + [
        (c["site_id"], c["employee_pk"], c["points"], c["score"]) for c in live["champions"]
    ]
