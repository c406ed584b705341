"""The HTTP front's protections, on every response of the app (pages, JSON, files, redirects):

- the security headers of the pages (`api.web.render.SECURITY_HEADERS`: a strict
  Content-Security-Policy, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
  `Referrer-Policy: same-origin`), added where a response has not set its own;
- `Strict-Transport-Security` when the session cookie is Secure (`UPTAKE_COOKIE_SECURE`);
- framing: no page may be framed, except the TV board (`/sites/<site>/leaderboard?tv=1`) by the
  sources in `UPTAKE_TV_FRAME_ANCESTORS`. The framing page must be on the same site (the same
  registrable domain) as Uptake, because the session cookie is `SameSite=Lax`;
- the session cookie: HttpOnly, SameSite=Lax, Secure per `UPTAKE_COOKIE_SECURE`, and signed no
  longer ago than `UPTAKE_SESSION_MAX_HOURS` (the idle and absolute limits themselves are
  `api.auth.session_account`);
- proxies: `UPTAKE_PROXY_HOPS` trusted reverse proxies set the client address, scheme, host and
  port from their `X-Forwarded-*` headers (werkzeug's ProxyFix); 0 trusts none.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from adoption.config import Settings

HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours
TV_ENDPOINT = "web.site_leaderboard"
NO_FRAMING = "frame-ancestors 'none'"


def configure(app: Flask, settings: Settings) -> None:
    """Cookie settings, the proxy fix and the header hook, from the settings."""
    from api.web.render import SECURITY_HEADERS  # the pages' headers are the app's headers

    defaults = {k: v for k, v in SECURITY_HEADERS.items() if k != "Cache-Control"}
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
    )
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        return secure_headers(response, settings, defaults)


def secure_headers(response: Response, settings: Settings, defaults: dict[str, str]) -> Response:
    """`defaults` where the response has not set its own (Cache-Control stays each response's:
    pages forbid caching, files and JSON decide for themselves), HSTS, TV framing."""
    headers = response.headers
    for name, value in defaults.items():
        headers.setdefault(name, value)
    if settings.cookie_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if settings.tv_frame_ancestors and _is_tv_board():
        policy = headers["Content-Security-Policy"].replace(
            NO_FRAMING, f"frame-ancestors {settings.tv_frame_ancestors}"
        )
        headers["Content-Security-Policy"] = policy
        headers.pop("X-Frame-Options", None)  # it cannot name sources; CSP decides
    return response


def _is_tv_board() -> bool:
    return request.endpoint == TV_ENDPOINT and request.args.get("tv") == "1"
