"""Hostile input at the API surface: a number beyond its column, a date outside 1900-01-01 ..
2999-12-31 (where window arithmetic would leave Python's date range), a body missing or of the
wrong type, a NUL in a path: each answers a JSON error naming the field and the reason, on both
back ends, never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from adoption import limits
from api.schemas.fields import Day

BIG = 37880470208397  # beyond a 32-bit INTEGER column
RANGE = "Must be greater than or equal to"
DAY = "Must be a date from 1900-01-01 to 2999-12-31."


@pytest.fixture
def admin(make_token, make_site, make_employee):
    make_site("S001")
    make_employee("E001", "S001")
    return make_token("admin", name="admin")


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json["error"]


@pytest.mark.parametrize(
    ("url", "field", "reason"),
    [
        (f"/employees/E001/proficiency?config_version={BIG}", "config_version", RANGE),
        ("/employees/E001/proficiency?as_of=0001-01-01", "as_of", DAY),
        ("/employees/E001/history?from=0001-01-02", "from", DAY),  # from − 27 days: before year 1
        ("/adoption/insights?from=0001-01-01&to=0001-01-01", "from", DAY),
        ("/adoption/insights?to=9999-12-31", "to", DAY),  # a 28-day window ends past year 9999
        ("/adoption/sites?from=1899-12-31&to=1900-01-06", "from", DAY),
        ("/adoption/sites/S001/series?from=3000-01-01&to=3000-01-02", "from", DAY),
        ("/leaderboards?scope=chain&period=0001-01", "period", "years 1900 to 2999"),
        ("/champions/0001-01", "month", "from 1900-01 to 2999-12"),
        (f"/champions/2026-10?version={BIG}", "version", RANGE),
        (f"/waves/{2**31}", "n", RANGE),
        ("/pilots/readiness?wave=١", "wave", "Not a valid integer."),  # not ASCII digits
        ("/sites?limit=1_000", "limit", "Not a valid integer."),
        ("/features?unmapped=yes", "unmapped", "Not a valid boolean."),
        ("/jobs/runs?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "cursor", "Not a valid cursor."),
        ("/quarantine?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "cursor", "Not a valid cursor."),
        # a day cursor of 9999-12-31: the next page would start past the calendar
        ("/employees/E001/history?cursor=OTk5OS0xMi0zMQ", "cursor", "Not a valid cursor."),
    ],
)
def test_an_out_of_range_query_or_path_value_is_422_naming_it(client, admin, url, field, reason):
    error = error_of(client.get(f"/api/v1{url}", headers=admin), 422)
    assert error["code"] == "validation_error"
    assert reason in " ".join(error["details"][field])


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/features/pos.x", {"expected_ms": BIG}, "expected_ms"),
        ("/features/pos.x", {"daily_cap": BIG}, "daily_cap"),
        ("/features/pos.x", {"points": "5"}, "points"),  # a JSON string is not an integer
        ("/sites/S001", {"wave": BIG}, "wave"),
        ("/sites/S001", {"go_live_on": "0001-01-01"}, "go_live_on"),
        ("/sites/S001", {"is_pilot": 1}, "is_pilot"),  # 1 is not a JSON boolean
        ("/employees/E001", {"hired_on": "9999-12-31"}, "hired_on"),
        ("/employees/E001", {"left_on": "20261101"}, "left_on"),  # ISO basic format: not ours
        ("/waves/1", {"canary_share": 0.0}, "canary_share"),
        ("/waves/1", {"planned_go_live_on": "2999-12-32"}, "planned_go_live_on"),
    ],
)
def test_an_out_of_range_body_field_is_422_naming_it(client, admin, url, body, field):
    error = error_of(client.put(f"/api/v1{url}", json=body, headers=admin), 422)
    assert list(error["details"]) == [field]


@pytest.mark.parametrize("action", ["replay", "discard"])
def test_a_quarantine_id_beyond_64_bits_is_422_naming_it(client, admin, action):
    response = client.post(f"/api/v1/quarantine/{2**63}/{action}", headers=admin)
    assert list(error_of(response, 422)["details"]) == ["item_id"]


def test_a_put_without_a_body_is_400_not_a_create(client, admin):
    error = error_of(client.put("/api/v1/features/pos.new", headers=admin), 400)
    assert (error["code"], error["details"]) == (
        "malformed_body",
        {"body": ["A JSON body is required."]},
    )
    assert client.get("/api/v1/features/pos.new", headers=admin).status_code == 404


def test_a_body_that_is_not_declared_json_is_415(client, admin):
    response = client.put(
        "/api/v1/sites/S001", data='{"name": "X"}', content_type="text/plain", headers=admin
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "raw",
    ['{"wave": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000, '{"name": "x"'],
    ids=["5000-digit-number", "deep-nesting", "truncated"],
)
def test_an_unreadable_or_oversized_json_body_is_a_client_error(client, admin, raw):
    response = client.put(
        "/api/v1/sites/S001", data=raw, content_type="application/json", headers=admin
    )
    assert response.status_code in (400, 422)
    assert response.json["error"]["code"] in ("malformed_body", "validation_error")


@pytest.mark.parametrize("kind", ["sites", "employees", "features"])
def test_a_nul_in_a_path_key_is_404(client, admin, kind):
    # PostgreSQL text cannot hold NUL: looking it up used to fail in the driver (a 500)
    assert error_of(client.get(f"/api/v1/{kind}/S%00", headers=admin), 404)["code"] == "not_found"


@given(st.dates())
def test_a_day_parameter_takes_exactly_the_iso_dates_of_the_supported_range(day):
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if limits.FIRST_DAY <= day <= limits.LAST_DAY:
        assert Day().deserialize(text) == day
    else:
        with pytest.raises(ValidationError):
            Day().deserialize(text)


@given(st.text(max_size=12))
def test_a_day_parameter_refuses_text_that_is_not_yyyy_mm_dd(text):
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or day.isoformat() != text or not limits.day_holds(day):
        with pytest.raises(ValidationError):
            Day().deserialize(text)


def test_the_range_is_wide_enough_for_every_window_the_metrics_take():
    # 28-day windows, 28 more days before a dormancy window, 104 weeks since go-live
    assert limits.FIRST_DAY - timedelta(days=56 + 7 * 104) > date.min
    assert limits.LAST_DAY + timedelta(days=56 + 7 * 104) < date.max


def test_a_user_id_whose_matching_key_outgrows_its_column_is_422(client, admin, session):
    # 128 × "ß" is 128 characters, but its case-folded matching key is 256 ("ss" each), longer
    # than employee.external_key holds: PostgreSQL answered 500 before.
    site = client.put("/api/v1/sites/S1", json={"name": "One", "timezone": "UTC"}, headers=admin)
    assert site.status_code in (200, 201)
    response = client.put(
        f"/api/v1/employees/{'ß' * 128}",
        json={"display_name": "Long", "site_id": "S1"},
        headers=admin,
    )
    error = error_of(response, 422)
    assert error["details"] == {"user_id": ["Length must be between 1 and 128."]}
