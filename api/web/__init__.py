"""Server-rendered pages (CONTRACT "Web pages"): the `web` blueprint, its templates and static.

Everything a page needs is served by the app (no CDN); scripts come only from `static/app.js`
(and `static/display.js` on the store display).
Modules: `login` (/login, /logout; the session, CSRF and roles are `api.auth`), `password`
(/account/password: one's own password), `render` (page
helpers below), `errors` (HTML 4xx/5xx),
`pages` (/, /sites/<site_id>/leaderboard, /me: `rewards.team`, `adoption.usage.coaching`,
`rewards.progress`), `quarantine` (/admin/quarantine), `features` (/admin/features), `champions`
(/champions, /champions/<YYYY-MM>: review, close, reopen, CSV/XLSX), `rollout` (/pilots),
`rollout_rules` (/pilots/readiness: the gate's rules), `rollout_waves` (/pilots/waves/<n>),
`svg` (a chart SVG checked and inlined), `cards` (/cards, /cards/<action>: quick-reference
cards to print), `display` (the store TV's kiosk page /display/<token>,
its own `display_bp` without login, and the board page's display-link forms).

Adding a page (e.g. HR's /champions, the rollout lead's /pilots) takes one module here, imported at
the bottom of this file, and one template. The role home (`pages.HOMES`) and the nav
(`render.nav_items`) already point hr at /champions and rollout_lead at /pilots (admin: both).

    from flask import flash, redirect, url_for
    from api import database
    from api.web import bp
    from api.web.render import confirm_page, confirmed, now, page, render_page

    @bp.get("/champions/<month>")
    @page("hr")                     # signed in (else → /login?next=…), hr or admin (else 403 page)
    def champions_month(month):
        ...                         # g.principal: the signed-in Principal; now(): the clock
        return render_page("champions.html", title=f"Champions {month}", month=month, ...)

    @bp.post("/champions/<month>/close")
    @page("hr")
    def close_month(month):
        if not confirmed():         # first POST: a page that re-posts the same fields + confirm=yes
            return confirm_page(f"Close {month}?", "Closing freezes the month.", action="Close")
        ...                         # writes are committed once when the view returns
        flash(f"{month} is closed.", "ok")
        return redirect(url_for("web.champions_month", month=month))

- `page(*roles)`: admin is always allowed; no roles means admin only (as `api.auth.requires`);
  `page(*ANY_ROLE)` lets every signed-in role in. tests/web/test_page_access.py fails for a web
  route that is neither gated nor listed as public.
- `render_page(template, title=..., status=200, **context)` adds `principal`, `nav` and the
  security headers; `error_page(status, title, message)` renders error.html.
- Templates `{% extends "base.html" %}` and fill `{% block content %}` (and optionally `head`);
  `refresh=<seconds>` in the context adds a meta refresh, `tv=True` the large-type body class.
  Inside every `<form method="post">` put `{{ csrf_field() }}`: any POST to this blueprint without
  the session's token gets the 400 page before the view runs (see `api.auth`). Downloads
  (CSV/XLSX) are plain links to GET routes.
- `<form data-confirm="Really…?">` asks in a browser dialog and then posts `confirm=yes`, so the
  server-side confirm page only appears without JavaScript. A select never submits its form by
  itself (WCAG 3.2.2): every form of selects has its button (docs/accessibility.md).
- Errors: raise a domain error (`NotFound("No such month.")`, `Forbidden`, `Conflict`, `Invalid`
  from `adoption.errors`); error.html renders it in the layout with the status of the one table
  `api.errors.ERRORS`; /api keeps its JSON errors (`api.web.errors`).
- Transactions: a view never commits; its writes are committed once when it returns and rolled
  back when it raises (`api.database`).
- Jinja filters: `pct` (0.734 → 73%), `num` (2 decimals), `signed` (+5.20), `day` (2026-11-19),
  `when` (UTC instant → "2026-11-19 14:05 UTC"), `role_label`.
- CSS (`static/app.css`): `.card`, `.card.narrow`, `.grid.two|three`, `.stack`, `.actions`,
  `.table-wrap > table`, `.num` (right-aligned figures), `.pill`, `.pill.badge`,
  `.level-novice|developing|proficient|expert`, `.flash.ok|error|info`, `.button`,
  `.button.secondary|danger`, `.muted`, `.small`, `code`/`pre.code`, `body.tv` (large type).
- The Content-Security-Policy allows scripts and styles from the app only, plus inline styles and
  `data:` images, so a chart can be inline SVG rendered server-side (`Markup(svg)`, after making
  sure the SVG holds no script) or an <img> of an app route.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

from api.web import (  # noqa: E402, F401  (routes attach to bp)
    cards,
    champions,
    errors,
    features,
    login,
    pages,
    password,
    quarantine,
    rollout,
    rollout_rules,
    rollout_waves,
)
from api.web.display import display_bp  # noqa: E402, F401  (/display/<token>, no login)
