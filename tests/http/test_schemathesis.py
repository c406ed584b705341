"""The OpenAPI document and the service agree: schemathesis runs every operation of
`/api/v1/openapi.json` against the app (in process, over WSGI, on each back end) with the
built-in checks: no server error, responses (status, content type, headers, body) as
documented, schema-valid requests accepted and schema-violating ones refused, authentication
enforced.

A bounded profile (`MAX_EXAMPLES` generated cases per operation, besides the document's examples
and schemathesis's boundary cases) keeps the whole run well under two minutes on SQLite. A deeper
run for a release: `UPTAKE_SCHEMATHESIS_EXAMPLES=200 pytest tests/http/test_schemathesis.py
--hypothesis-show-statistics`.

Schema-valid input the service still refuses is allowed only for the rules a JSON schema cannot
state, each named in `DOCUMENTED_RULES` with the message that explains it (docs/api.md lists
them): a rule across two fields, or one about what is stored (an unknown site or timezone).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from adoption.config import Settings
from api import create_app
from tests.helpers import event

OPENAPI = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("UPTAKE_SCHEMATHESIS_EXAMPLES", "10"))

# The document needs no data: it is read once from an app on an empty in-memory database. Each
# test sends its requests to the `app` fixture's app (`call_and_validate(app=...)`).
_DOCUMENT_APP = create_app(
    Settings(database_url="sqlite://", secret_key="-", instance_path=Path(tempfile.gettempdir()))
)
schema = schemathesis.openapi.from_wsgi(OPENAPI, _DOCUMENT_APP)
# Credentials are the test's own (an admin token; the ingest token for /events), not generated.
# NUL is never valid text here (PostgreSQL cannot store it; docs/api.md says so).
schema.config.generation.update(
    max_examples=MAX_EXAMPLES, with_security_parameters=False, allow_x00=False
)

CREATE_ONLY = "Missing data for required field."
DOCUMENTED_RULES: dict[str, tuple[str, ...]] = {
    "cursor": ("Not a valid cursor.",),  # a cursor this service did not write
    "from": ("Must not be after 'to'.",),
    "to": ("A window may span at most", "the last day that has ended at every site"),
    "left_on": ("Must not be before hired_on.",),
    "received_to": ("Must not be before received_from.",),  # the quarantine's filter
    # PUT creates or replaces: a field required only to create is not required in the schema.
    "name": (CREATE_ONLY,),
    "display_name": (CREATE_ONLY,),
    "site_id": ("Unknown site", CREATE_ONLY),  # a home site that does not exist
    "sites": ("Unknown site",),
    "alias_of": ("No feature", "cannot be an alias of itself"),
    "timezone": ("Unknown timezone",),
    "weights": ("Weights must be ≥ 0 and sum to 1.",),
    "thresholds": ("Need 0 ≤ developing_at ≤ proficient_at ≤ expert_at ≤ 100.",),
    "period": ("Use YYYY-MM, an ISO week YYYY-Www, or all.",),  # e.g. 2025-W53 (2025 has 52)
    # /leaderboards: a metric of the other unit, and unit=site on a site scope (store vs store).
    "metric": ("With unit=site, one of", "With unit=person, one of"),
    "unit": ("unit=site ranks the sites of a region or the chain.",),
    "division": ("Divisions rank people: use unit=person.",),
    # POST /employees/{user_id}/awards: the person's awards of the month so far (stored).
    "points": ("Over the monthly award cap",),
    # POST /notifications: a channel no sender speaks, a secret for a channel that is not a
    # webhook, a role the event is not meant for, a person (unknown, or for a chain-wide event).
    "channel": ("Not a channel",),
    "secret": ("A secret signs a generic webhook",),
    "role": (" is for: ",),
    "user_id": ("Unknown person", "person.badge is a person's own", "Give a site or a person"),
    "event": ("A person subscribes only to",),
    # /targets: a threshold in the metric's unit, the population's value, one deadline.
    "threshold": ("Must be between 0 and 1",),
    "population_value": (
        "Must be empty for population",
        "Must be a wave number",
        "Must be a region name",
        "No site is in region",
    ),
    "deadline_week": ("Give exactly one of deadline_week and deadline_on.",),
    "deadline_on": ("Give exactly one of deadline_week and deadline_on.",),
}


# Bodies described by api/schemas/events.py, which only describes an event (the one validator is
# adoption.ingest.validation): a batch with invalid events is 200, those events quarantined and
# counted (CONTRACT.md): a body the document calls invalid is not refused when only its events
# are invalid, so the negative-data check stays off for these two operations.
EVENT_BODIES = {"/api/v1/events", "/api/v1/quarantine/{item_id}/replay"}


def _documented_refusal(response) -> bool:
    """A 422 whose every message is one of `DOCUMENTED_RULES`."""
    if response.status_code != 422:
        return False
    details = response.json()["error"]["details"]
    return bool(details) and all(
        isinstance(messages, list)
        and all(
            isinstance(m, str) and any(rule in m for rule in DOCUMENTED_RULES.get(field, ()))
            for m in messages
        )
        for field, messages in details.items()
    )


def valid_data_accepted(ctx, response, case):
    """schemathesis's positive_data_acceptance, less the refusals `DOCUMENTED_RULES` explain."""
    if _documented_refusal(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def tokens(make_token, ingest_headers):
    return {"admin": make_token("admin", name="admin"), "ingest": ingest_headers}


@pytest.fixture
def world(client, tokens, send_events):
    """What the document's examples name: sites S001 and S002 (wave 1), employee E001, the
    feature pos.sale, some events and a quarantined one (item 1)."""
    admin = tokens["admin"]
    for code in ("S001", "S002"):
        body = {"name": f"Store {code}", "wave": 1, "go_live_on": "2026-09-01"}
        assert client.put(f"/api/v1/sites/{code}", json=body, headers=admin).status_code == 201
    body = {"display_name": "Ann", "site_id": "S001"}
    assert client.put("/api/v1/employees/E001", json=body, headers=admin).status_code == 201
    body = {"is_core": True, "expected_ms": 1000, "points": 2}
    assert client.put("/api/v1/features/pos.sale", json=body, headers=admin).status_code == 201
    batch = [event(n, action="pos.sale") for n in range(5)] + [event(9, site_id="nowhere")]
    assert send_events(batch).json["quarantined"] == 1


@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_openapi_document(case, app, tokens, world):
    events = case.path == "/api/v1/events"
    excluded = [positive_data_acceptance]
    if case.path in EVENT_BODIES:
        excluded += [negative_data_rejection]
    case.call_and_validate(
        app=app,
        headers=tokens["ingest" if events else "admin"],
        excluded_checks=excluded,
        additional_checks=[valid_data_accepted],
    )
