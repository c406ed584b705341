"""The request's unit of work: one session per request, committed once by the front door.

Handlers and domain code never commit: the domain flushes, and `in_unit_of_work` (called by the
app for every view, `api.UptakeFlask.dispatch_request`) commits the request's session once when
the view returns, or rolls it back when the view raises. The commit happens inside the view call,
so a failing commit (e.g. a locked SQLite database) still goes through the error handlers (503).
A view that answers an error without raising (e.g. a 400 whose unreadable body was quarantined)
commits what it wrote. The app's teardown closes the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g
from sqlalchemy.orm import Session

T = TypeVar("T")


def session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["uptake"].sessions()
    return g.db_session


def in_unit_of_work(view: Callable[[], T]) -> T:
    """Run the view; commit the request's session once if it returns, roll back if it raises."""
    try:
        result = view()
        if "db_session" in g:
            g.db_session.commit()
    except BaseException:
        if "db_session" in g:
            g.db_session.rollback()
        raise
    return result


def close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
