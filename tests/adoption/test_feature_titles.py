"""A feature's title and quick-reference card (`adoption.masterdata.feature_records`): through
the domain, the catalog import and `/api/v1/features`; checked, trimmed, audited, and changing
no score and no points (neither `updated_at`, which the points job follows, nor
`scores_changed_at`, which score snapshots follow, moves).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from adoption.errors import Invalid
from adoption.masterdata import feature_records
from adoption.masterdata.imports import import_master
from adoption.models import AuditLog, Feature
from adoption.simulation.people import CARDS, FEATURES, HARD_FEATURE
from adoption.simulation.people import feature_records as sim_rows
from rewards.points import pairs_since
from tests.adoption.scoring.test_proficiency import NOW, Scenario

CARD = "https://help.example.com/pos/returns"
FEATURES_API = "/api/v1/features"


def put(session, action: str, now=NOW, **values):
    feature, _ = feature_records.put_feature(session, action, values, now=now, actor="test")
    session.flush()
    return feature


# ---- the rule -------------------------------------------------------------------------------


def test_title_and_card_are_trimmed_and_blank_clears_them(session):
    f = put(session, "returns.receipt", title="  Process a return ", quick_reference_url=f" {CARD}")
    assert (f.title, f.quick_reference_url) == ("Process a return", CARD)
    f = put(session, "returns.receipt", title="   ", quick_reference_url="")
    assert (f.title, f.quick_reference_url) == (None, None)
    f = put(session, "returns.receipt", title="Process a return", quick_reference_url=CARD)
    f = put(session, "returns.receipt", title=None, quick_reference_url=None)
    assert (f.title, f.quick_reference_url) == (None, None)


def test_an_omitted_title_or_card_keeps_its_value(session):
    put(session, "returns.receipt", title="Process a return", quick_reference_url=CARD)
    f = put(session, "returns.receipt", points=4)
    assert (f.title, f.quick_reference_url, f.points) == ("Process a return", CARD, 4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 201),
        ("title", "a\x00b"),
        ("title", 7),
        ("quick_reference_url", "ftp://help.example.com/card"),
        ("quick_reference_url", "javascript:alert(1)"),
        ("quick_reference_url", "help.example.com/pos/returns"),
        ("quick_reference_url", "https:///no-host"),
        ("quick_reference_url", "https://help.example.com/a card"),
        ("quick_reference_url", "https://help.example.com/" + "x" * 476),  # 501 characters
    ],
)
def test_a_bad_title_or_card_is_refused_naming_the_field(session, field, value):
    with pytest.raises(Invalid) as error:
        put(session, "returns.receipt", **{field: value})
    assert list(error.value.details) == [field]
    assert session.scalar(select(Feature).where(Feature.action == "returns.receipt")) is None


def test_limits_hold_exactly(session):
    url = "HTTP://help.example.com/" + "x" * 476  # 500 characters, any case of the scheme
    f = put(session, "returns.receipt", title="t" * 200, quick_reference_url=url)
    assert (len(f.title), f.quick_reference_url) == (200, url)


def test_a_title_or_card_edit_moves_neither_updated_at_nor_scores_changed_at(session):
    f = put(session, "returns.receipt", is_core=True, points=2)
    stamps = (f.updated_at, f.scores_changed_at)
    later = NOW + timedelta(hours=1)
    f = put(
        session, "returns.receipt", now=later, title="Process a return", quick_reference_url=CARD
    )
    assert (f.updated_at, f.scores_changed_at) == stamps
    f = put(session, "returns.receipt", now=later, points=3)  # points do move updated_at
    assert f.updated_at == later and f.scores_changed_at == stamps[1]


def test_a_title_edit_re_derives_no_points_a_points_edit_does(session):
    scn = Scenario(session)
    scn.site("S1").person("P", "S1").feature("returns.receipt", is_core=True, points=2)
    scn.send(scn.ev("P", "returns.receipt", NOW.date() - timedelta(days=1)))
    since = NOW + timedelta(minutes=1)  # after the events arrived
    put(session, "returns.receipt", now=since, title="Process a return", quick_reference_url=CARD)
    session.commit()
    assert pairs_since(session, since) == set()
    put(session, "returns.receipt", now=since + timedelta(minutes=1), points=3)
    session.commit()
    assert len(pairs_since(session, since)) == 1


def test_a_title_edit_is_audited(session):
    put(session, "returns.receipt")
    put(session, "returns.receipt", title="Process a return")
    changes = [
        a.details["changes"]
        for a in session.scalars(select(AuditLog).where(AuditLog.action == "feature.put"))
    ]
    assert changes[-1] == {"title": [None, "Process a return"]}


# ---- the catalog import ---------------------------------------------------------------------


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_the_import_reads_title_and_card_and_rejects_a_bad_card(session, tmp_path):
    path = write_jsonl(
        tmp_path / "features.jsonl",
        [
            {
                "action": "returns.receipt",
                "title": " Process a return ",
                "quick_reference_url": CARD,
            },
            {"action": "pos.sale", "Name": "Complete a sale"},  # "name" is read as the title
            {"action": "pos.void", "quick_reference_url": "file:///etc/passwd"},
        ],
    )
    summary = import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    assert (summary.created, summary.rejected) == (2, 1)
    rejected = (tmp_path / "features.jsonl.rejected.csv").read_text(encoding="utf-8")
    assert "quick_reference_url: Must be an http:// or https:// URL" in rejected
    got = {f.action: (f.title, f.quick_reference_url) for f in session.scalars(select(Feature))}
    assert got == {
        "returns.receipt": ("Process a return", CARD),
        "pos.sale": ("Complete a sale", None),
    }


def test_re_importing_a_changed_title_counts_as_updated_and_moves_no_stamp(session, tmp_path):
    rows = [{"action": "returns.receipt", "is_core": True, "title": "Returns"}]
    path = write_jsonl(tmp_path / "features.jsonl", rows)
    import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    again = import_master(session, "features", path, now=NOW, actor="test", default_tz="UTC")
    assert (again.updated, again.unchanged) == (0, 1)
    rows[0]["title"] = "Process a return"
    write_jsonl(path, rows)
    later = NOW + timedelta(hours=1)
    changed = import_master(session, "features", path, now=later, actor="test", default_tz="UTC")
    assert (changed.updated, changed.unchanged) == (1, 0)
    f = feature_records.get_feature(session, "returns.receipt")
    assert (f.title, f.updated_at, f.scores_changed_at) == ("Process a return", NOW, NOW)


# ---- the simulated catalog ------------------------------------------------------------------


def test_the_demo_catalog_titles_every_feature_and_carries_some_cards():
    rows = sim_rows(FEATURES)
    catalog = [r for r in rows if len(r) > 2]  # the last row only repeats a cap
    assert all(r.get("title") for r in catalog)
    cards = {r.get("action", r.get("Action Key", "").strip().lower()): r.get("quick_reference_url")
             for r in catalog}  # fmt: skip
    assert cards["returns.receipt"] == "https://help.example.com/pos/returns"
    assert cards[HARD_FEATURE] == CARDS[HARD_FEATURE]
    assert sum(1 for url in cards.values() if url) == len(CARDS)
    assert all(f.is_core for f in FEATURES if f.action in CARDS)


# ---- the API --------------------------------------------------------------------------------


@pytest.fixture
def admin(make_token):
    return make_token("admin", name="admin-t")


def test_put_and_get_a_feature_with_title_and_card(client, admin):
    body = {"title": "  Process a return ", "quick_reference_url": CARD, "is_core": True}
    response = client.put(f"{FEATURES_API}/returns.receipt", json=body, headers=admin)
    assert response.status_code == 201, response.json
    assert (response.json["title"], response.json["quick_reference_url"]) == (
        "Process a return",
        CARD,
    )
    got = client.get(f"{FEATURES_API}/returns.receipt", headers=admin).json
    assert (got["title"], got["quick_reference_url"]) == ("Process a return", CARD)
    listed = client.get(FEATURES_API, headers=admin).json
    assert [(f["action"], f["title"]) for f in listed] == [("returns.receipt", "Process a return")]
    cleared = client.put(
        f"{FEATURES_API}/returns.receipt",
        json={"title": " ", "quick_reference_url": ""},
        headers=admin,
    )
    assert (cleared.json["title"], cleared.json["quick_reference_url"]) == (None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quick_reference_url", "ftp://help.example.com/card"),
        ("quick_reference_url", "https://help.example.com/" + "x" * 476),
        ("title", "x" * 201),
        ("title", 5),
    ],
)
def test_a_bad_title_or_card_is_422_naming_the_field(client, admin, field, value):
    response = client.put(f"{FEATURES_API}/returns.receipt", json={field: value}, headers=admin)
    assert response.status_code == 422
    assert list(response.json["error"]["details"]) == [field]


def test_the_openapi_document_describes_title_and_card(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    body = schemas["FeatureBody"]["properties"]
    assert body["title"]["maxLength"] == 200
    assert body["quick_reference_url"]["maxLength"] == 500
    assert body["quick_reference_url"]["pattern"] == feature_records.URL_PATTERN
    assert {"title", "quick_reference_url"} <= set(schemas["Feature"]["properties"])
