"""Small builders shared by tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta


def event(n: int | str = 1, **overrides) -> dict:
    """A valid event; `occurred_at` defaults to an hour ago so it is never in the future."""
    ev = {
        "event_id": f"e-{n}",
        "user_id": "E001",
        "site_id": "S001",
        "action": "pos.sale.complete",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "outcome": "success",
        "duration_ms": 1200,
    }
    ev.update(overrides)
    return ev


NEXT_LINK = re.compile(r'^<([^>]+)>; rel="next"$')


def follow_links(client, url: str, headers: dict) -> list[list]:
    """Every page of a list, following `Link: <…>; rel="next"` until a page has none."""
    pages = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        pages.append(response.json)
        link = response.headers.get("Link")
        url = NEXT_LINK.match(link).group(1) if link else None
        assert len(pages) < 100, "the links never end"
    return pages
