"""Insights carry days as YYYY-MM-DD on the wire, never as HTTP dates (issue 10)."""

from __future__ import annotations

import json
from datetime import date

from api.schemas.adoption import InsightsSchema


def test_days_inside_insight_items_are_iso_dates_on_the_wire(app):
    insights = {
        "from": date(2026, 11, 9),
        "to": date(2026, 11, 15),
        "error_hotspots": [],
        "unused_modules": [],
        "dormant_employees": [{"user_id": "E1", "last_active_day": date(2026, 11, 13)}],
        "unmapped_actions": [{"action": "x", "first_seen": date(2026, 11, 10), "count": 2}],
        "sites_behind": [],
    }
    with app.app_context():
        wire = json.loads(app.json.dumps(InsightsSchema().dump(insights)))
    assert wire["from"] == "2026-11-09"
    assert wire["dormant_employees"] == [{"user_id": "E1", "last_active_day": "2026-11-13"}]
    assert wire["unmapped_actions"][0] == {"action": "x", "first_seen": "2026-11-10", "count": 2}
