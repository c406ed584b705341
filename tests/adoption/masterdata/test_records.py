"""Master data on a session: put (create with defaults, replace keeping omitted fields), get and
list by case-insensitive keys, and the file import merging rows that share a key."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from adoption.errors import Invalid, NotFound
from adoption.masterdata import feature_records, imports, records
from adoption.models import Employee, Site

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def put_site(session, code, values, now=NOW):
    return records.put_site(
        session, code, values, now=now, actor="test", default_tz="Europe/Berlin"
    )


# --- sites ---


def test_a_new_site_gets_the_defaults(session):
    site, created = put_site(session, " S001 ", {"name": "Store one"})
    assert created is True
    assert (site.code, site.code_key, site.name) == ("S001", "s001", "Store one")
    assert (site.timezone, site.is_pilot, site.region, site.wave) == (
        "Europe/Berlin",
        False,
        None,
        None,
    )
    assert (site.created_at, site.updated_at) == (NOW, NOW)


def test_a_new_site_needs_a_name(session):
    with pytest.raises(Invalid) as caught:
        put_site(session, "S001", {"region": "North"})
    assert caught.value.details == {"name": ["Missing data for required field."]}


@pytest.mark.parametrize(
    ("code", "field"), [("", "site_id"), ("   ", "site_id"), ("x" * 65, "site_id")]
)
def test_a_site_code_must_be_1_to_64_characters(session, code, field):
    with pytest.raises(Invalid) as caught:
        put_site(session, code, {"name": "n"})
    assert list(caught.value.details) == [field]


def test_an_unknown_timezone_is_refused(session):
    with pytest.raises(Invalid) as caught:
        put_site(session, "S001", {"name": "n", "timezone": "Mars/Olympus"})
    assert list(caught.value.details) == ["timezone"]


def test_replacing_a_site_keeps_the_fields_left_out(session):
    put_site(session, "S001", {"name": "Store one", "region": "North", "timezone": "UTC"})
    site, created = put_site(session, "s001", {"is_pilot": True, "wave": 2}, now=LATER)
    assert created is False
    assert (site.code, site.name, site.region, site.timezone) == (
        "S001",
        "Store one",
        "North",
        "UTC",
    )
    assert (site.is_pilot, site.wave, site.created_at, site.updated_at) == (True, 2, NOW, LATER)


def test_replacing_a_site_with_the_same_values_changes_nothing(session):
    put_site(session, "S001", {"name": "Store one"})
    site, _ = put_site(session, "S001", {"name": "Store one"}, now=LATER)
    assert site.updated_at == NOW


def test_sites_are_found_and_listed_by_case_insensitive_code(session):
    for code in ("S002", "s001", "S003"):
        put_site(session, code, {"name": code})
    assert records.get_site(session, "S001").code == "s001"
    assert [s.code for s in records.list_sites(session, limit=2)] == ["s001", "S002"]
    assert [s.code for s in records.list_sites(session, limit=5, after="s002")] == ["S003"]
    with pytest.raises(NotFound):
        records.get_site(session, "S404")


# --- employees ---


@pytest.fixture
def sites(session):
    put_site(session, "S001", {"name": "One"})
    put_site(session, "S002", {"name": "Two"})


def test_a_new_employee_gets_the_defaults(session, sites):
    emp, created = records.put_employee(
        session, "E001", {"display_name": "Ada", "site_id": "s001"}, now=NOW
    )
    assert created is True
    assert (emp.external_id, emp.external_key, emp.site.code) == ("E001", "e001", "S001")
    assert (emp.role, emp.rostered, emp.public_opt_out, emp.hired_on) == (
        "staff",
        True,
        False,
        None,
    )


def test_a_new_employee_needs_a_name_and_a_home_site(session, sites):
    with pytest.raises(Invalid) as caught:
        records.put_employee(session, "E001", {}, now=NOW)
    assert caught.value.details == {
        "display_name": ["Missing data for required field."],
        "site_id": ["Missing data for required field."],
    }
    assert session.scalar(select(func.count()).select_from(Employee)) == 0


def test_an_unknown_home_site_is_refused(session, sites):
    with pytest.raises(Invalid) as caught:
        records.put_employee(session, "E001", {"display_name": "Ada", "site_id": "S404"}, now=NOW)
    assert caught.value.details == {"site_id": ["Unknown site 'S404'."]}


def test_leaving_before_being_hired_is_refused_also_against_stored_dates(session, sites):
    values = {"display_name": "Ada", "site_id": "S001", "hired_on": date(2026, 3, 1)}
    records.put_employee(session, "E001", values, now=NOW)
    with pytest.raises(Invalid) as caught:
        records.put_employee(session, "E001", {"left_on": date(2026, 2, 1)}, now=NOW)
    assert caught.value.details == {"left_on": ["Must not be before hired_on."]}


def test_replacing_an_employee_keeps_the_fields_left_out(session, sites):
    values = {"display_name": "Ada", "site_id": "S001", "role": "cashier"}
    records.put_employee(session, "E001", values, now=NOW)
    emp, created = records.put_employee(session, "e001", {"site_id": "S002"}, now=LATER)
    assert created is False
    assert (emp.external_id, emp.display_name, emp.role, emp.site.code) == (
        "E001",
        "Ada",
        "cashier",
        "S002",
    )
    assert emp.updated_at == LATER


def test_roster_data_about_someone_seen_only_in_events_rosters_them(session, sites):
    session.add(
        Employee(
            external_id="new-7",
            external_key="new-7",
            display_name="new-7",
            site_id=records.get_site_id(session, "S001"),
            rostered=False,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    emp, created = records.put_employee(session, "NEW-7", {"display_name": "Grace"}, now=LATER)
    assert (created, emp.rostered, emp.display_name, emp.external_id) == (
        False,
        True,
        "Grace",
        "new-7",
    )


def test_employees_are_found_and_listed_by_case_insensitive_id(session, sites):
    for user_id, site in (("E002", "S002"), ("e001", "S001"), ("E003", "S001")):
        records.put_employee(session, user_id, {"display_name": user_id, "site_id": site}, now=NOW)
    assert records.get_employee(session, "E001").external_id == "e001"
    listed = records.list_employees(session, limit=10)
    assert [e.external_id for e in listed] == ["e001", "E002", "E003"]
    s2 = {records.get_site_id(session, "S002")}
    assert [e.external_id for e in records.list_employees(session, limit=10, site_ids=s2)] == [
        "E002"
    ]
    assert records.list_employees(session, limit=10, rostered=False) == []
    with pytest.raises(NotFound):
        records.get_employee(session, "E404")


# --- features ---


def test_a_new_feature_gets_the_defaults_and_is_mapped(session):
    feature, created = feature_records.put_feature(session, " POS.Refund ", {}, now=NOW)
    assert created is True
    assert (feature.action, feature.module, feature.is_core, feature.points) == (
        "pos.refund",
        "pos",
        False,
        1,
    )
    assert (feature.mapped, feature.daily_cap, feature.alias_of) == (True, None, None)


def test_replacing_a_feature_keeps_the_fields_left_out(session):
    feature_records.put_feature(session, "pos.refund", {"is_core": True, "points": 5}, now=NOW)
    feature, created = feature_records.put_feature(
        session, "POS.REFUND", {"daily_cap": 3}, now=LATER
    )
    assert created is False
    assert (feature.is_core, feature.points, feature.daily_cap) == (True, 5, 3)
    assert feature_records.get_feature(session, "Pos.Refund").id == feature.id


def test_a_feature_cannot_alias_itself(session):
    with pytest.raises(Invalid) as caught:
        feature_records.put_feature(session, "pos.refund", {"alias_of": " POS.Refund "}, now=NOW)
    assert list(caught.value.details) == ["alias_of"]


def test_mapping_refuses_an_alias_to_an_unknown_feature(session):
    with pytest.raises(Invalid) as caught:
        feature_records.map_feature(session, "pos.refund.v2", {"alias_of": "pos.refnud"}, now=NOW)
    assert caught.value.details == {"alias_of": ["No feature 'pos.refnud'."]}
    feature_records.put_feature(session, "pos.refund", {}, now=NOW)
    feature, _ = feature_records.map_feature(
        session, "pos.refund.v2", {"alias_of": "POS.REFUND"}, now=NOW
    )
    assert feature.alias_of == "pos.refund"


def test_features_list_mapped_or_unmapped(session):
    feature_records.put_feature(session, "b.two", {}, now=NOW)
    feature_records.put_feature(session, "a.one", {}, now=NOW)
    assert [f.action for f in feature_records.list_features(session, limit=10)] == [
        "a.one",
        "b.two",
    ]
    assert feature_records.list_features(session, limit=10, unmapped=True) == []


# --- import ---


def test_import_merges_rows_that_share_a_key_last_non_empty_value_wins(session, sites, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "user_id,display_name,site_id,role,hired_on\n"
        " e100 ,Katherine Johnson,S001,cashier,\n"  # line 2
        "E200,Dorothy Vaughan,S001,,2026-01-05\n"  # line 3
        "E100,Katherine  Johnson,S002,,2026-03-02\n",  # line 4: same person, new home site
        encoding="utf-8",
    )
    summary = imports.import_master(
        session, "roster", path, now=NOW, actor="test", default_tz="UTC"
    )
    assert (summary.read, summary.kept, summary.created, summary.rejected) == (3, 2, 2, 0)
    assert summary.merged == [{"key": "e100", "lines": [2, 4]}]
    emp = records.get_employee(session, "E100")
    assert (emp.external_id, emp.display_name, emp.site.code) == (
        "e100",  # as first seen, trimmed
        "Katherine Johnson",
        "S002",  # the later row's value
    )
    assert (emp.role, emp.hired_on) == ("cashier", date(2026, 3, 2))  # an empty cell clears nothing


def test_importing_the_same_file_again_changes_nothing(session, sites, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("code,name,timezone\nS003,Three,UTC\ns003,Three,UTC\n", encoding="utf-8")
    first = imports.import_master(session, "sites", path, now=NOW, actor="t", default_tz="UTC")
    again = imports.import_master(session, "sites", path, now=LATER, actor="t", default_tz="UTC")
    assert (first.created, first.merged) == (1, [{"key": "s003", "lines": [2, 3]}])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert session.scalar(select(func.count()).select_from(Site)) == 3
