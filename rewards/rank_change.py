"""Rank change on a board (DESIGN "Ranking"): each entry's rank on the same scope's board of the
previous period of the same kind (the month before, the ISO week before), same metric, ranked
by the same rules, and the places gained since. The previous board is an ordinary board, read
through the same cache."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from adoption.calendar import Month
from rewards.leaderboards import Entrant, Period, RankedBoard, ranked_board


def previous_period(period: Period) -> str | None:
    """The period before `period` of the same kind (the month before, the ISO week before), as
    a board takes it; None for all time, and before 1900-01 (no such board)."""
    if period.first is None:
        return None
    if period.kind == "month":
        label = str(Month.of(period.first).previous())
    else:
        label = (period.first - timedelta(days=7)).strftime("%G-W%V")
    return label if label >= "1900" else None


def previous_ranks(
    session: Session, board: RankedBoard, now: datetime, division: str = "all"
) -> dict[int, int] | None:
    """Employee → rank on the same scope's board of the previous period, same metric, ranked by
    the same rules (DESIGN "Ranking"), in the same division; None for an all-time board.
    Whoever was not an entrant then (hired since, moved in, not a rookie then) is absent."""
    label = previous_period(board.period)
    if label is None:
        return None
    before = ranked_board(
        session, scope=board.scope, period=label, metric=board.metric, now=now, division=division
    )
    return {entrant.employee_id: rank for rank, entrant in before.ranked}


def with_change(row: dict, entrant: Entrant, before: dict[int, int] | None) -> dict:
    """The row with `previous_rank` (null for all time, and for whoever was not ranked then)
    and `change`, the places gained since (previous rank − rank: 2 is up two, −1 down one,
    null without a previous rank). Both are null on a row shown as Anonymous: a movement
    across periods would let a viewer follow one anonymous person from board to board."""
    anonymous = row["user_id"] is None
    previous = None if before is None or anonymous else before.get(entrant.employee_id)
    row["previous_rank"] = previous
    row["change"] = None if previous is None else previous - row["rank"]
    return row
