"""The drop-in Segment/RudderStack and PostHog receivers through the Flask test client: auth
(basic, bearer, body key, wrong format, revoked), gzip and PostHog's compressions, limits, the
mapping, quarantine reasons naming the message's field, the site scope and identify.

The published clients against a live `uptake serve`: tests/test_receivers_live.py.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from adoption.identity import credentials
from adoption.models import AuditLog, Employee, Event, Feature, Quarantine

AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


@pytest.fixture
def world(make_site, make_employee):
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001")


@pytest.fixture
def write_key(session):
    """A new ingest token of a format: its plain key."""

    def make(fmt="segment", name=None, sites=(), mapping=None):
        _, plain = credentials.create_token(
            session,
            role="ingest",
            name=name or f"{fmt}-pos",
            now=datetime.now(UTC),
            sites=list(sites),
            format=fmt,
            mapping=mapping,
        )
        session.commit()
        return plain

    return make


def basic(key: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def track(n=1, **overrides) -> dict:
    message = {
        "type": "track",
        "messageId": f"m-{n}",
        "userId": "E001",
        "event": "Sale Completed",
        "timestamp": AN_HOUR_AGO,
        "properties": {"site_id": "S001", "duration_ms": 1200, "basket": 3},
    }
    message.update(overrides)
    return message


def capture(n=1, **overrides) -> dict:
    event = {
        "event": "Sale Completed",
        "distinct_id": "E001",
        "uuid": f"u-{n}",
        "timestamp": AN_HOUR_AGO,
        "properties": {"site_id": "S001", "$lib": "posthog-python", "basket": 3},
    }
    event.update(overrides)
    return event


def post(client, path, body, headers=None, *, gzipped=False, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    return client.post(path, data=data, headers=headers)


def count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def quarantined(session) -> list[dict]:
    session.rollback()
    return [q.reasons for q in session.scalars(select(Quarantine).order_by(Quarantine.id))]


# ---------------------------------------------------------------- Segment


def test_segment_batch_with_basic_auth_stores_each_event_once(world, client, session, write_key):
    key = write_key()
    response = post(client, "/v1/batch", {"batch": [track(1), track(2)]}, basic(key))
    assert response.status_code == 200, response.json
    assert response.json["success"] is True
    assert response.json["accepted"] == 2
    again = post(client, "/v1/batch", {"batch": [track(1), track(2)]}, basic(key))
    assert again.json["accepted"] == 0 and again.json["duplicates"] == 2
    assert count(session, Event) == 2
    stored = session.scalars(select(Event)).first()
    assert stored.source == "segment-pos" and stored.event_id == "m-1"
    assert stored.duration_ms == 1200 and stored.properties == {"basket": 3}
    assert session.scalar(select(Feature.action)) == "sale.completed"


@pytest.mark.parametrize("path", ["/v1/track", "/v1/t"])
def test_segment_track_with_bearer(world, client, session, write_key, path):
    key = write_key()
    response = post(client, path, track(), {"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json["accepted"] == 1


def test_segment_write_key_in_the_body_and_gzip(world, client, session, write_key):
    key = write_key()
    response = post(client, "/v1/batch", {"batch": [track()], "writeKey": key}, gzipped=True)
    assert response.json["accepted"] == 1
    single = post(client, "/v1/track", {**track(2), "writeKey": key})
    assert single.json["accepted"] == 1
    assert "writeKey" not in json.dumps([e.properties for e in session.scalars(select(Event))])


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic x"}, {"Authorization": "Bearer upt_nope"}, basic("upt_nope")],
)
def test_no_or_an_unknown_key_is_401(world, client, session, headers):
    response = post(client, "/v1/batch", {"batch": [track()]}, headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert count(session, Quarantine) == 0


def test_revoked_key_is_401(world, client, session, write_key):
    key = write_key(name="gone")
    credentials.revoke_token(session, "gone", now=datetime.now(UTC), actor="test")
    session.commit()
    assert post(client, "/v1/batch", {"batch": [track()]}, basic(key)).status_code == 401


@pytest.mark.parametrize(("fmt", "path"), [("uptake", "/v1/batch"), ("posthog", "/v1/batch")])
def test_a_key_of_another_format_is_403_naming_format(world, client, write_key, fmt, path):
    key = write_key(fmt)
    response = post(client, path, {"batch": [track()]}, basic(key))
    assert response.status_code == 403
    assert "format" in response.json["error"]["details"]
    segment_key = write_key("segment", name="seg")
    assert post(client, "/batch/", {"batch": [capture()]}, basic(segment_key)).status_code == 403


def test_anonymous_only_and_bad_timestamp_are_quarantined_naming_the_field(
    world, client, session, write_key
):
    key = write_key()
    batch = [track(1), track(2, userId=None, anonymousId="anon"), track(3, timestamp="yesterday")]
    response = post(client, "/v1/batch", {"batch": batch}, basic(key))
    assert response.status_code == 200 and response.json["success"] is True
    assert (response.json["accepted"], response.json["quarantined"]) == (1, 2)
    reasons = quarantined(session)
    assert "userId" in reasons[0] or "userId" in reasons[1]
    assert {"timestamp"} in [set(r) for r in reasons]
    held = json.loads(session.scalars(select(Quarantine.payload)).first())
    assert held.get("anonymousId") == "anon" or held.get("timestamp") == "yesterday"
    post(client, "/v1/batch", {"batch": batch}, basic(key))  # a resend changes nothing
    assert count(session, Quarantine) == 2 and count(session, Event) == 1


def test_mapping_action_site_and_actions_table(world, client, session, write_key):
    mapping = {"site": "properties.store", "actions": {"Sale Completed": "pos.sale.complete"}}
    key = write_key(mapping=mapping)
    message = track(properties={"store": "S002", "outcome": "error"})
    other = track(2, event="Refund Issued", properties={"store": "S002"})
    response = post(client, "/v1/batch", {"batch": [message, other]}, basic(key))
    assert response.json["accepted"] == 2
    actions = set(session.scalars(select(Feature.action)))
    assert actions == {"pos.sale.complete", "refund.issued"}
    assert {e.outcome for e in session.scalars(select(Event))} == {"error", "success"}


def test_group_id_is_the_site_by_default(world, client, session, write_key):
    key = write_key()
    message = track(properties={}, context={"groupId": "S002"})
    assert post(client, "/v1/batch", {"batch": [message]}, basic(key)).json["accepted"] == 1


def test_site_restriction_quarantines_other_sites(world, client, session, write_key):
    key = write_key(sites=["S001"])
    batch = [track(1), track(2, properties={"site_id": "S002"})]
    response = post(client, "/v1/batch", {"batch": batch}, basic(key))
    assert (response.json["accepted"], response.json["quarantined"]) == (1, 1)
    assert "site_not_allowed" in quarantined(session)[0]["site_id"][0]


def test_page_screen_group_alias_are_ignored(world, client, session, write_key):
    key = write_key()
    batch = [{"type": t, "userId": "E001", "messageId": t} for t in ("page", "screen", "alias")]
    response = post(client, "/v1/batch", {"batch": batch}, basic(key))
    assert response.json["ignored"] == 3 and count(session, Quarantine) == 0


def test_identify_names_someone_known_only_from_events(world, client, session, write_key):
    key = write_key()
    newcomer = track(1, userId="N001")
    post(client, "/v1/batch", {"batch": [newcomer]}, basic(key))
    ident = {"messageId": "i-1", "userId": "N001", "traits": {"name": "Nia Newcomer"}}
    response = post(client, "/v1/identify", ident, basic(key))
    assert response.json["identified"] == 1
    session.rollback()
    employee = session.scalar(select(Employee).where(Employee.external_id == "N001"))
    assert employee.display_name == "Nia Newcomer" and not employee.rostered
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "employee.put")).all()
    assert audit[-1].actor == "token:segment-pos"
    assert post(client, "/v1/i", ident, basic(key)).json["duplicates"] == 1


def test_identify_never_changes_a_rostered_employee(world, client, session, write_key):
    key = write_key()
    ident = {"messageId": "i-1", "userId": "E001", "traits": {"name": "X", "site_id": "S002"}}
    assert post(client, "/v1/identify", ident, basic(key)).json["ignored"] == 1
    session.rollback()
    employee = session.scalar(select(Employee).where(Employee.external_id == "E001"))
    assert employee.display_name == "Person E001" and employee.site.code == "S001"


def test_identify_creates_someone_new_at_a_site_the_token_may_send_for(
    world, client, session, write_key
):
    key = write_key(sites=["S001"])
    new = {"messageId": "i-1", "userId": "N002", "traits": {"firstName": "Ana", "site_id": "S001"}}
    assert post(client, "/v1/identify", new, basic(key)).json["identified"] == 1
    away = {"messageId": "i-2", "userId": "N003", "traits": {"site_id": "S002"}}
    response = post(client, "/v1/identify", away, basic(key))
    assert response.json["quarantined"] == 1
    assert "site_not_allowed" in quarantined(session)[0]["traits.site_id"][0]
    session.rollback()
    names = dict(session.execute(select(Employee.external_id, Employee.display_name)).all())
    assert names.get("N002") == "Ana" and "N003" not in names


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"batch": "nope"}, 400, "batch"),
        ([1, 2], 400, "body"),
        ({"batch": [track()] * 10_001}, 413, None),
    ],
)
def test_bad_bodies_are_json_errors(world, client, session, write_key, body, status, field):
    key = write_key()
    response = post(client, "/v1/batch", body, basic(key))
    assert response.status_code == status
    if field:
        assert field in response.json["error"]["details"]


def test_unreadable_body_is_kept_in_the_quarantine(world, client, session, write_key):
    key = write_key()
    response = post(client, "/v1/batch", None, basic(key), raw=b"{not json")
    assert response.status_code == 400
    assert quarantined(session) == [{"body": [response.json["error"]["message"]]}]


def test_gzip_bomb_and_unknown_encoding(world, client, session, write_key):
    key = write_key()
    bomb = gzip.compress(b"[" + b" " * (11 * 1024 * 1024) + b"]")
    headers = {**basic(key), "Content-Encoding": "gzip"}
    assert client.post("/v1/batch", data=bomb, headers=headers).status_code == 413
    headers["Content-Encoding"] = "br"
    assert client.post("/v1/batch", data=b"{}", headers=headers).status_code == 415


# ---------------------------------------------------------------- PostHog


@pytest.mark.parametrize("path", ["/batch/", "/capture/", "/e/", "/i/v0/e/"])
def test_posthog_batch_with_api_key_in_the_body(world, client, session, write_key, path):
    key = write_key("posthog")
    body = {"api_key": key, "batch": [capture(1), capture(2)]}
    response = post(client, path, body)
    assert response.status_code == 200 and response.json["status"] == 1
    assert response.json["accepted"] == 2
    assert post(client, path, body).json["duplicates"] == 2
    assert count(session, Event) == 2
    properties = session.scalars(select(Event.properties)).first()
    assert properties == {"basket": 3}  # no $lib, no key


def test_posthog_single_event_with_token_in_properties(world, client, session, write_key):
    key = write_key("posthog")
    event = capture(properties={"site_id": "S001", "token": key, "distinct_id": "E001"})
    del event["distinct_id"]
    response = post(client, "/e/", event)
    assert response.json["accepted"] == 1
    stored = session.scalars(select(Event.properties)).first()
    assert stored is None or "token" not in stored


def test_posthog_dollar_events_ignored_by_default(world, client, session, write_key):
    key = write_key("posthog")
    batch = [capture(1, event="$pageview"), capture(2, event="$feature_flag_called"), capture(3)]
    response = post(client, "/batch/", {"api_key": key, "batch": batch})
    assert (response.json["accepted"], response.json["ignored"]) == (1, 2)
    assert count(session, Quarantine) == 0


def test_posthog_identify_when_mapped(world, client, session, write_key):
    key = write_key("posthog", mapping={"$events": "map"})
    post(client, "/batch/", {"api_key": key, "batch": [capture(1, distinct_id="N9")]})
    ident = {"event": "$identify", "distinct_id": "N9", "uuid": "i9"}
    ident["properties"] = {"$set": {"name": "Nine"}}
    response = post(client, "/batch/", {"api_key": key, "batch": [ident]})
    assert response.json["identified"] == 1
    session.rollback()
    assert session.scalar(select(Employee.display_name).where(Employee.external_id == "N9")) == (
        "Nine"
    )


def test_posthog_compression_parameters(world, client, session, write_key):
    key = write_key("posthog")
    text = json.dumps({"api_key": key, "batch": [capture(1)]}).encode()
    gz = client.post("/e/?compression=gzip-js", data=gzip.compress(text))
    assert gz.status_code == 200 and gz.json["accepted"] == 1
    form = urlencode({"data": base64.b64encode(json.dumps([capture(2)]).encode()).decode()})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **basic(key)}
    b64 = client.post("/e/?compression=base64", data=form, headers=headers)
    assert b64.status_code == 200 and b64.json["accepted"] == 1
    lz = client.post("/e/?compression=lz64", data=b"xx", headers=basic(key))
    assert lz.status_code == 415 and "compression" in lz.json["error"]["details"]


def test_posthog_without_distinct_id_is_quarantined(world, client, session, write_key):
    key = write_key("posthog")
    event = capture()
    del event["distinct_id"]
    response = post(client, "/batch/", {"api_key": key, "batch": [event]})
    assert response.json["quarantined"] == 1
    assert "distinct_id" in quarantined(session)[0]


# ---------------------------------------------------------------- tokens


def test_create_token_refuses_a_bad_mapping_naming_the_key(session):
    from adoption.errors import Invalid

    with pytest.raises(Invalid) as bad:
        credentials.create_token(
            session,
            role="ingest",
            name="x",
            now=datetime.now(UTC),
            format="segment",
            mapping={"colour": "red", "site": "a..b", "$events": "map"},
        )
    assert set(bad.value.details) == {"mapping.colour", "mapping.site", "mapping.$events"}
    with pytest.raises(Invalid) as wrong:
        credentials.create_token(
            session, role="hr", name="y", now=datetime.now(UTC), format="posthog"
        )
    assert "format" in wrong.value.details


def test_cli_creates_a_segment_token_with_a_mapping(world, runner, session):
    from api.cli.main import main

    result = runner.invoke(
        main,
        ["tokens", "create", "--role", "ingest", "--name", "pos", "--format", "segment",
         "--site", "S001", "--map", "action=event", "site=properties.store",
         "actions.Sale Completed=sale.complete"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    session.rollback()
    from adoption.identity.models import ApiToken

    token = session.scalar(select(ApiToken).where(ApiToken.name == "pos"))
    assert token.format == "segment"
    assert token.mapping == {
        "action": "event",
        "site": "properties.store",
        "actions": {"Sale Completed": "sale.complete"},
    }
    bad = runner.invoke(
        main, ["tokens", "create", "--role", "ingest", "--name", "p2", "--map", "colour=red"]
    )
    assert bad.exit_code == 2 and "mapping" in bad.output


# ---------------------------------------------------------------- replaying what a client sent


def _open_item(session) -> Quarantine:
    session.rollback()
    return session.scalars(select(Quarantine).where(Quarantine.status == "open")).one()


def test_a_quarantined_segment_message_replays_through_the_sources_mapping(
    world, client, session, write_key, make_site, make_token
):
    """Kept as the client sent it, a message is mapped again on replay: once its store exists,
    the stored message lands as the event it maps to (the token's own mapping applies)."""
    key = write_key(mapping={"site": "properties.store"})
    message = track(7, properties={"store": "S009", "duration_ms": 900})
    response = post(client, "/v1/batch", {"batch": [message]}, basic(key))
    assert response.json["quarantined"] == 1
    item = _open_item(session)
    assert item.reasons == {"site_id": ["Unknown site."]}
    admin = make_token("admin")
    still = client.post(f"/api/v1/quarantine/{item.id}/replay", headers=admin)
    assert still.status_code == 422
    assert still.json["error"]["details"] == {"site_id": ["Unknown site."]}
    make_site("S009")
    session.commit()
    replayed = client.post(f"/api/v1/quarantine/{item.id}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.json
    assert replayed.json["accepted"] == 1
    session.rollback()
    stored = session.scalars(select(Event).where(Event.event_id == "m-7")).one()
    assert stored.source == "segment-pos" and stored.duration_ms == 900
    assert session.scalar(select(Feature.action).where(Feature.id == stored.feature_id)) == (
        "sale.completed"
    )


def test_a_correction_may_come_in_the_clients_shape_or_uptakes(
    world, client, session, write_key, make_token
):
    key = write_key()
    post(client, "/v1/batch", {"batch": [track(8, userId=None, anonymousId="a-1")]}, basic(key))
    item = _open_item(session)
    assert "userId" in item.reasons
    admin = make_token("admin")
    fixed = track(8)
    ok = client.post(f"/api/v1/quarantine/{item.id}/replay", json=fixed, headers=admin)
    assert ok.status_code == 200, ok.json
    post(client, "/v1/batch", {"batch": [track(9, userId=None, anonymousId="a-2")]}, basic(key))
    item = _open_item(session)
    uptake_shaped = {
        "event_id": "m-9",
        "user_id": "E001",
        "site_id": "S001",
        "action": "sale.completed",
        "occurred_at": AN_HOUR_AGO,
    }
    ok = client.post(f"/api/v1/quarantine/{item.id}/replay", json=uptake_shaped, headers=admin)
    assert ok.status_code == 200, ok.json
    session.rollback()
    assert set(session.scalars(select(Event.event_id))) == {"m-8", "m-9"}


def test_identifies_sharing_a_message_id_in_one_batch_apply_once(world, client, session, write_key):
    key = write_key()
    first = {"type": "identify", "messageId": "i-1", "userId": "N1", "traits": {"name": "Ann"}}
    first["traits"]["site_id"] = "S001"
    again = {**first, "traits": {"name": "Bob", "site_id": "S001"}}
    response = post(client, "/v1/batch", {"batch": [first, again]}, basic(key))
    assert response.json["identified"] == 1 and response.json["duplicates"] == 1
    session.rollback()
    assert (
        session.scalars(select(Employee).where(Employee.external_id == "N1")).one().display_name
        == "Ann"
    )


def test_a_token_limited_to_a_site_changes_nobody_at_another(world, client, session, write_key):
    """Review: a key for S001 renamed, and took in, an unrostered person of S002."""
    key = write_key(sites=["S001"])
    elsewhere = write_key(name="s002-pos", sites=["S002"])
    post(
        client,
        "/v1/batch",
        {"batch": [track(1, userId="N9", properties={"site_id": "S002"})]},
        basic(elsewhere),
    )
    grab = {
        "type": "identify",
        "messageId": "i-9",
        "userId": "N9",
        "traits": {"name": "Renamed", "site_id": "S001"},
    }
    rename = {
        "type": "identify",
        "messageId": "i-10",
        "userId": "N9",
        "traits": {"name": "Renamed"},
    }
    response = post(client, "/v1/batch", {"batch": [grab, rename]}, basic(key))
    assert (response.json["identified"], response.json["quarantined"]) == (0, 2)
    assert all("site_not_allowed" in r["userId"][0] for r in quarantined(session))
    session.rollback()
    person = session.scalar(select(Employee).where(Employee.external_id == "N9"))
    assert (person.display_name, person.site.code) == ("N9", "S002")


def test_an_identify_with_an_overlong_message_id_is_quarantined_not_a_500(
    world, client, session, write_key
):
    key = write_key()
    ident = {"messageId": "m" * 150, "userId": "N5", "traits": {"name": "Ann", "site_id": "S001"}}
    response = post(client, "/v1/identify", ident, basic(key))
    assert response.status_code == 200 and response.json["quarantined"] == 1
    assert list(quarantined(session)[0]) == ["messageId"]


def test_the_write_key_is_never_kept_with_an_unreadable_body(world, client, session, write_key):
    key = write_key()
    body = json.dumps({"writeKey": key, "batch": {"a": 1}}).encode()
    response = post(client, "/v1/batch", None, basic(key), raw=body, gzipped=True)
    assert response.status_code == 400
    session.rollback()
    [payload] = session.scalars(select(Quarantine.payload)).all()
    assert key.encode() not in payload and b"[write key removed]" in payload


def test_a_write_key_opens_only_its_receiver(world, client, write_key):
    """A PostHog project key is public in the pages it is embedded in: it never posts raw
    Uptake events past its mapping."""
    for fmt in ("segment", "posthog"):
        key = write_key(fmt)
        headers = {"Authorization": f"Bearer {key}"}
        response = client.post("/api/v1/events", json=[], headers=headers)
        assert response.status_code == 401, fmt
