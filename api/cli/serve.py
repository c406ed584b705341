"""`uptake serve`: the web app and API under gunicorn.

The session cookie is Secure unless UPTAKE_COOKIE_SECURE says otherwise, except that serving on a
loopback address with no proxy declared turns it off by default, so the demo on
http://127.0.0.1:5000 can sign in (docs/operations.md)."""

from __future__ import annotations

import ipaddress
import os

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and API with gunicorn."""
    from api.wsgi import serve as run

    if plain_http_default(host, os.environ):
        os.environ["UPTAKE_COOKIE_SECURE"] = "off"  # the workers read it
        click.echo(
            f"serving plain HTTP on loopback {host}: session cookie without Secure "
            "(set UPTAKE_COOKIE_SECURE=on, or UPTAKE_PROXY_HOPS behind a TLS proxy)",
            err=True,
        )
    run(host=host, port=port, workers=workers)


def plain_http_default(host: str, env) -> bool:
    """Whether the session cookie may go without Secure by default: only when this server binds
    a loopback address (the demo on http://127.0.0.1), no proxy is declared in front
    (UPTAKE_PROXY_HOPS), and UPTAKE_COOKIE_SECURE is not set."""
    if env.get("UPTAKE_COOKIE_SECURE", "").strip():
        return False
    if env.get("UPTAKE_PROXY_HOPS", "").strip() not in {"", "0"}:
        return False
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
