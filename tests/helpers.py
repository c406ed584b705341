"""Small builders shared by tests."""

from __future__ import annotations

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
