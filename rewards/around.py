"""Around me (DESIGN "Ranking"): one person's place on a board with their neighbours.

The board is the one `rewards.leaderboards.ranked_board` builds (same scope, period, metric,
ranking and cache), its rows named for the viewer by `rewards.leaderboards.entry` and carrying
`rewards.rank_change` columns, exactly as on GET /api/v1/leaderboards. The window is the person's
row with `n` rows above and `n` below, widened until neither edge cuts a rank group (people who
share a rank) in half. The gap is what the person still needs to reach the rank group just above
theirs: that group's value minus theirs, in the metric's unit (tying it is reaching it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from adoption.errors import Invalid, NotFound
from adoption.models import Employee
from adoption.privacy import Viewer
from adoption.scoring.components import round_half_up
from rewards.leaderboards import Entrant, Scope, entry, ranked_board
from rewards.rank_change import previous_ranks, with_change

MAX_NEIGHBOURS = 10
DEFAULT_NEIGHBOURS = 2


def around(
    session: Session,
    *,
    scope: str | Scope,
    period: str | None,
    metric: str,
    employee: Employee,
    asked: str,
    n: int,
    viewer: Viewer,
    now: datetime,
) -> dict:
    """The person's window on the board (`period` None: the month holding yesterday).

    `asked` is the user id as the caller wrote it, echoed by the 404 of someone who is not an
    entrant of this board (not rostered, home elsewhere, not employed in the period)."""
    if not 0 <= n <= MAX_NEIGHBOURS:
        raise Invalid({"n": [f"Must be between 0 and {MAX_NEIGHBOURS}."]})
    board = ranked_board(session, scope=scope, period=period, metric=metric, now=now)
    ranked = board.ranked
    at = next((i for i, (_, e) in enumerate(ranked) if e.employee_id == employee.id), None)
    if at is None:
        raise NotFound(
            f"{asked!r} is not on the {board.scope.label} board of {board.period.label}.",
            {"user_id": asked},
        )
    first, last = window_bounds([rank for rank, _ in ranked], at, n)
    before = previous_ranks(session, board, now)
    rank, me = ranked[at]
    return {
        "scope": board.scope.label,
        "period": board.period.label,
        "metric": metric,
        "user_id": employee.external_id,
        "rank": rank,
        "value": me.value,
        "of": len(ranked),
        "n": n,
        "gap": gap_above(ranked, at),
        "entries": [
            with_change(entry(e, r, viewer), e, before) for r, e in ranked[first : last + 1]
        ],
    }


def window_bounds(ranks: list[int], at: int, n: int) -> tuple[int, int]:
    """First and last index of the window: `n` rows either side of `at`, widened at each edge
    while the row just outside shares the edge row's rank ("ties kept together")."""
    first, last = max(0, at - n), min(len(ranks) - 1, at + n)
    while first > 0 and ranks[first - 1] == ranks[first]:
        first -= 1
    while last < len(ranks) - 1 and ranks[last + 1] == ranks[last]:
        last += 1
    return first, last


def gap_above(ranked: list[tuple[int, Entrant]], at: int) -> dict | None:
    """{"rank", "points"}: the rank just above the person's and how much more of the metric
    reaches it; None for rank 1 and for a person without a value (ranked last)."""
    rank, me = ranked[at]
    if rank == 1 or me.value is None:
        return None
    above_rank, above = ranked[rank - 2]  # the last row of the group above: index rank − 2
    difference = above.value - me.value
    if isinstance(difference, int):  # points
        return {"rank": above_rank, "points": difference}
    return {"rank": above_rank, "points": float(round_half_up(difference, 2))}
