"""GET /api/v1/champions/{month}/export: the payroll export download and its content type (the
month of tests.rewards.month_world.hostile_month)."""

from __future__ import annotations

import pytest

from tests.rewards.month_world import OCT, Month, hostile_month


@pytest.fixture
def month(session) -> Month:
    """The month of tests.rewards.month_world.hostile_month."""
    return hostile_month(session)


def test_the_csv_download_sends_the_charset_once(client, month, make_token):
    hr = make_token("hr", name="hr-ann")
    response = client.get(f"/api/v1/champions/{OCT}/export?format=csv", headers=hr)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
