"""GET /api/v1/pilots/did: the staggered DiD of a simulated programme, as the domain computes it,
and its 422s (panels: tests.pilots.did_world).
"""

from __future__ import annotations

import json

import pytest

from adoption.ingest.batch import ingest_batch
from adoption.masterdata import imports
from adoption.scoring.rules import load_rules
from adoption.simulation import chain as simulation
from api.schemas.did import DidSchema
from pilots.did.panel import did_from_db
from tests.pilots.did_world import NOW


@pytest.fixture
def chain(session, tmp_path):
    """A simulated chain of 8 sites over 8 weeks; the programme starts at 6 of them."""
    sim = simulation.simulate(seed=2, sites=8, weeks=8, today=NOW.date())
    files = simulation.write_master_files(sim, tmp_path / "chain")
    for kind in ("sites", "features", "roster"):
        imports.import_master(session, kind, files[kind], now=NOW, actor="t", default_tz="UTC")
    for batch in simulation.event_batches(sim, now=NOW):
        ingest_batch(session, source="sim", events=batch, now=NOW)
    session.commit()
    return sim


@pytest.fixture
def as_rollout_lead(client, make_token, monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    headers = make_token("rollout_lead", name="lead")
    return lambda query: client.get(f"/api/v1/pilots/did?{query}", headers=headers)


def test_api_answers_the_did_of_the_simulated_programme(chain, session, as_rollout_lead):
    response = as_rollout_lead("metric=adoption_rate&control=notyet&seed=3")
    assert response.status_code == 200, response.json
    body = response.json
    # The panel starts at the first week the three pilots (live on Fri 09-25) were live on every
    # day; the other five went live later, miss weeks, and are dropped and listed.
    assert body["control"] == "notyet" and body["n_units"] == 3 and body["att_gt"]
    assert body["caveats"][:2] == [
        "Weeks 1 to 7 are ISO weeks 2026-W40 to 2026-W46 (2026-09-28 to 2026-11-15): from the "
        "first week a site was live on every day to the newest week complete at every site.",
        "Dropped 5 sites missing a period or an outcome: S004, S005, S006, S007, S008.",
    ]
    expected = did_from_db(
        session,
        metric="adoption_rate",
        control="notyet",
        seed=3,
        now=NOW,
        rules=load_rules(session),
    )
    assert body == json.loads(json.dumps(DidSchema().dump(expected)))
    assert as_rollout_lead("metric=adoption_rate&control=notyet&seed=3").json == body


def test_api_rejects_an_unknown_metric(as_rollout_lead):
    response = as_rollout_lead("metric=happiness")
    assert response.status_code == 422
    assert "metric" in response.json["error"]["details"]
