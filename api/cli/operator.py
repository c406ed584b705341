"""The CLI's way to the API's actions: the real handler, run in-process as the operator.

A command that reads or changes what the API serves calls `call(ctx, method, path, ...)`. It
builds the composed app once per command (`api.create_app` with the command's settings, the
scheduler off) and sends the request through Flask's test client, with the operator's admin
`Principal` (kind "operator", named `ctx.actor`: `cli:<OS user>`) in the WSGI environ
(`api.auth.operator_principal`). So the CLI's JSON is the API's JSON by construction, its
validation is the API's, and what it changes is audited by the same handlers under the
operator's name. Nothing listens on a port: no HTTP request can carry that principal.

An error response becomes one line on stderr and an exit status scripts can rely on
(`exit_code`): 2 for input the API refused to read (400, 413, 415, 422), 1 for anything else
refused (401, 403, 404, 409, 410, 503, 500).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from urllib.parse import parse_qs, quote, urlsplit

import click
from werkzeug.test import TestResponse

from adoption.identity.credentials import Principal
from api import API_PREFIX, create_app
from api.auth import OPERATOR_ENVIRON_KEY, OPERATOR_KIND
from api.cli.context import Context, render

USAGE_STATUSES = frozenset({400, 413, 415, 422})


def exit_code(status: int) -> int:
    """The exit status of an outcome with this HTTP status: 0 done, 2 usage, 1 refused."""
    if status < 400:
        return 0
    return 2 if status in USAGE_STATUSES else 1


def principal(ctx: Context) -> Principal:
    """The operator: admin, as the CLI has always acted on the configured database."""
    return Principal(kind=OPERATOR_KIND, name=ctx.actor, role="admin")


def app(ctx: Context):
    """The composed app on the command's settings, built once per command; never the
    scheduler (a command is not a worker)."""
    if ctx.app is None:
        ctx.app = create_app(replace(ctx.settings, scheduler=False))
        engine = ctx.app.extensions["uptake"].engine
        click.get_current_context().call_on_close(engine.dispose)
    return ctx.app


def call(
    ctx: Context,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    json=None,
    data: bytes | None = None,
    paged: bool = True,
) -> TestResponse:
    """The API's answer to `method path` (below /api/v1) as the operator; an error answer ends
    the command (`fail`). Query parameters that are None are not sent: the API's defaults hold."""
    kwargs: dict = {}
    if json is not None:
        kwargs["json"] = json
    elif data is not None:
        kwargs.update(data=data, content_type="application/json")
    response = (
        app(ctx)
        .test_client()
        .open(
            API_PREFIX + path,
            method=method,
            query_string={k: v for k, v in (query or {}).items() if v is not None},
            environ_base={OPERATOR_ENVIRON_KEY: principal(ctx)},
            **kwargs,
        )
    )
    if response.status_code >= 400:
        fail(response)
    next_cursor = _next_cursor(response) if paged else None
    if next_cursor:  # a full page: scripts page on with --cursor (stderr keeps stdout the JSON)
        click.echo(f"next page: --cursor {next_cursor}", err=True)
    return response


def fail(response: TestResponse) -> None:
    """`error: message (field: messages; ...)` on stderr, then exit by `exit_code`."""
    body = response.get_json(silent=True) or {}
    error = body.get("error") or {}
    message = error.get("message") or f"HTTP {response.status_code}"
    details = error.get("details") or {}
    detail = "; ".join(f"{k}: {_sentence(v)}" for k, v in details.items())
    click.echo(f"error: {message}" + (f" ({detail})" if detail else ""), err=True)
    sys.exit(exit_code(response.status_code))


def _sentence(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_sentence(v)}" for k, v in value.items())
    return " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def _next_cursor(response: TestResponse) -> str | None:
    """The cursor of the next page from the API's `Link: <…?cursor=…>; rel="next"` header."""
    link = response.headers.get("Link", "")
    if 'rel="next"' not in link:
        return None
    url = link.partition("<")[2].partition(">")[0]
    return (parse_qs(urlsplit(url).query).get("cursor") or [None])[0]


def echo(
    ctx: Context,
    fmt: str,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    json=None,
    rows: str | None = None,
    people=None,
) -> dict | list:
    """Call the API (`call`) and print its JSON as `fmt` (`api.cli.context.render`); returns
    the JSON."""
    data = call(ctx, method, path, query=query, json=json).get_json()
    click.echo(render(data, fmt, rows=rows, people=people), nl=False)
    return data


def segment(value: str, *, slash: bool = False) -> str:
    """A path segment as the API's URL has it (`/` kept only where the route takes a path)."""
    return quote(value, safe="/" if slash else "")


def page_options(command):
    """`--limit` and `--cursor`, the API's keyset pagination: a full page prints the next
    page's `--cursor` on stderr."""
    command = click.option(
        "--cursor", help="The next page, as the previous page printed it on stderr."
    )(command)
    return click.option("--limit", help="Rows per page (1 to 1000; the API's default 100).")(
        command
    )
