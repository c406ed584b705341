"""The request's unit of work: one session per request, committed once by the front door.

Handlers and domain code never commit or roll back: the domain flushes, and `in_unit_of_work`
(called by the app for every view, `api.UptakeFlask.dispatch_request`) ends the request's
transaction once:

- the view returns a success (status below 400): the session is committed;
- the view returns an error answer (status 400 or more) or raises: the session is rolled back,
  so nothing a handler flushed before it answered an error is kept. A view whose error answer
  must still keep what it wrote (an unreadable POST /events body is quarantined, never dropped)
  says so with `keep_on_error()`.

The commit happens inside the view call, so a failing commit (e.g. a locked SQLite database)
still goes through the error handlers (503), and the messages the view flashed for the next
page are withdrawn: nothing may say "closed" or "replayed" when the commit did not happen.
The app's teardown closes the session.

Readers and writers (SQLite, `adoption.db.make_sessionmaker`): a request whose method changes
things (POST, PUT, PATCH, DELETE) is a writer: its transaction begins IMMEDIATE, so it waits for
SQLite's one write lock, up to the busy timeout, before it reads anything (its token first). A
GET, HEAD or OPTIONS request is a reader: its transaction begins DEFERRED and neither waits for
writers nor makes them wait. A writer whose view is marked `reads_first` (POST /events) starts as
a reader and becomes a writer (`begin_writing`) once it has checked its input, so parsing and
validating a batch never holds the lock other senders wait for. A reader that writes after all
(an audited export, an access log row) cannot wait for the lock once it has read: when SQLite
refuses it the lock, its work is rolled back and the view runs again, once, as a writer. So a
request answers 503 only when the busy timeout has really elapsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app, g, request
from flask import session as cookie
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from adoption.db import is_locked, reader_session

T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session() -> Session:
    """The request's session, opened on first use: a reader's or a writer's (above)."""
    if "db_session" not in g:
        sessions = current_app.extensions["uptake"].sessions
        g.db_session = sessions() if _writer() else reader_session(sessions)
    return g.db_session


def _writer() -> bool:
    if "db_writer" in g:
        return g.db_writer
    if request.method in READ_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "_reads_first", False)


def reads_first(view: Callable[..., T]) -> Callable[..., T]:
    """Mark a view that changes things but first reads and checks its input at length (POST
    /events: its token, then the body parsed and every event validated). Its session starts as a
    reader's, so on SQLite no other writer waits while it does that; the view calls
    `begin_writing` before its first write. Put it right above the function, below the other
    decorators (they copy the mark)."""
    view._reads_first = True  # type: ignore[attr-defined]
    return view


def begin_writing() -> None:
    """End the request's reader transaction (it wrote nothing) and make the next `session()` a
    writer's: on SQLite it waits for the write lock, up to the busy timeout. What was read
    before stays valid only as far as the caller re-checks it in the writer's transaction."""
    close_session()
    g.db_writer = True


def keep_on_error() -> None:
    """Commit what this request wrote even though it answers an error status."""
    g.keep_on_error = True


@contextmanager
def attempt() -> Iterator[None]:
    """A domain call whose domain error the handler answers itself with a success page (a
    message flashed, then a redirect): when the call raises, its writes are undone (a
    savepoint) before the error reaches the handler, so the request's commit keeps none of them."""
    with session().begin_nested():
        yield


def in_unit_of_work(view: Callable[[], T]) -> T:
    """Run the view, then commit the request's session once, or roll it back (see above); a
    reader that SQLite refused the write lock runs again as a writer."""
    before = set(g)
    try:
        return _run_and_commit(view)
    except OperationalError as exc:
        if _writer() or not is_locked(exc):
            raise
    close_session()
    for name in set(g) - before:  # what the first run cached (its principal, its account …)
        g.pop(name)
    g.db_writer = True
    return _run_and_commit(view)


def _run_and_commit(view: Callable[[], T]) -> T:
    flashed = len(cookie.get("_flashes", []))
    try:
        result = view()
        if "db_session" in g:
            if _status(result) < 400 or g.get("keep_on_error"):
                g.db_session.commit()
            else:
                g.db_session.rollback()
    except BaseException:
        if "db_session" in g:
            g.db_session.rollback()
        if len(cookie.get("_flashes", [])) > flashed:
            cookie["_flashes"] = cookie["_flashes"][:flashed]
        raise
    return result


def _status(result: object) -> int:
    """The status a view's return value answers with (Flask's rules: a Response, or a tuple
    whose second item is the status; anything else is 200)."""
    status = getattr(result, "status_code", None)
    if status is None and isinstance(result, tuple) and len(result) > 1:
        status = result[1] if isinstance(result[1], int) else None
    return 200 if status is None else int(status)


def close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
