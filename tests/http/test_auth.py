"""Who may call what: CONTRACT.md "Auth and roles", checked over every route of the app.

ROUTES lists every (method, rule) of `app.url_map` with the roles the contract allows; a route
added without an entry here fails `test_every_route_is_in_the_auth_matrix`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adoption.identity import credentials
from adoption.identity.models import ROLES, Account
from adoption.ingest import quarantine
from adoption.masterdata import cards, feature_records
from adoption.masterdata.records import get_site
from adoption.models import Quarantine
from adoption.notify.subscriptions import subscribe
from api.wsgi import _without_operator
from pilots.targets import add_target
from rewards.display import create_display
from tests.helpers import event
from tests.web.conftest import log_in

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PUBLIC = {"/healthz", "/readyz", "/api/v1/openapi.json"}
READERS = frozenset({"admin", "hr", "rollout_lead", "manager", "employee"})
PEOPLE = frozenset({"admin", "hr", "manager", "employee"})
ADMIN = frozenset({"admin"})
OWN_NOTIFICATIONS = frozenset({"admin", "employee"})
ADOPTION = frozenset({"admin", "rollout_lead", "manager"})
# A manager of S001 and the employee E001 (home site S001): "their" items are at S001.
SCOPE = {"manager": {"sites": ["S001"]}, "employee": {"user_id": "E001"}}
TARGET = {
    "name": "Adoption 80% by week 8",
    "metric": "adoption_rate",
    "population": "all",
    "comparison": ">=",
    "threshold": 0.8,
    "deadline_week": 8,
}
CARD = {"title": "Complete a sale", "steps": ["Scan the items.", "Take the payment."]}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)  # a PNG by its magic bytes: all the API checks


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    path: str  # real values; {replay_id}/{discard_id} are filled from the `world` fixture
    allowed: frozenset[str]
    body: object = None
    # A request an allowed role would get 404 or 422 for: a forbidden role must still get 403.
    bad_path: str | None = None
    bad_body: object = None
    media_type: str | None = None  # a body sent as these raw bytes, not as JSON

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"


ROUTES = [
    Route("POST", "/api/v1/events", "/api/v1/events", frozenset({"admin", "ingest"}), body=[]),
    Route(
        "GET",
        "/api/v1/sites",
        "/api/v1/sites",
        READERS,
        bad_path="/api/v1/sites?limit=abc",
    ),
    Route(
        "GET",
        "/api/v1/sites/<site_id>",
        "/api/v1/sites/S001",
        READERS,
        bad_path="/api/v1/sites/NOPE",
    ),
    Route(
        "PUT",
        "/api/v1/sites/<site_id>",
        "/api/v1/sites/S001",
        frozenset({"admin", "rollout_lead"}),
        body={"is_pilot": True, "wave": 1},
        bad_path="/api/v1/sites/NOPE",
        bad_body={"wave": "soon"},
    ),
    Route(
        "GET",
        "/api/v1/employees",
        "/api/v1/employees",
        PEOPLE,
        bad_path="/api/v1/employees?site_id=NOPE",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>",
        "/api/v1/employees/E001",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE",
    ),
    Route(
        "PUT",
        "/api/v1/employees/<user_id>",
        "/api/v1/employees/E001",
        ADMIN,
        body={"display_name": "Ann Example", "site_id": "S001"},
        bad_body={"hired_on": "not a date"},
    ),
    Route(
        "GET",
        "/api/v1/features",
        "/api/v1/features",
        READERS,
        bad_path="/api/v1/features?unmapped=perhaps",
    ),
    Route(
        "GET",
        "/api/v1/features/<path:action>",
        "/api/v1/features/pos.sale.complete",
        READERS,
        bad_path="/api/v1/features/no.such.action",
    ),
    Route(
        "PUT",
        "/api/v1/features/<path:action>",
        "/api/v1/features/pos.sale.complete",
        ADMIN,
        body={"points": 2},
        bad_body={"points": -1},
    ),
    # Quick-reference cards: the world's English card is read, replaced, given an image, then
    # deleted (in this order).
    Route(
        "GET",
        "/api/v1/features/<path:action>/cards",
        "/api/v1/features/pos.sale.complete/cards",
        READERS,
        bad_path="/api/v1/features/no.such.action/cards",
    ),
    Route(
        "PUT",
        "/api/v1/features/<path:action>/cards",
        "/api/v1/features/pos.sale.complete/cards",
        frozenset({"admin", "rollout_lead"}),
        body={"en": CARD},
        bad_body={"fr": CARD},
    ),
    Route(
        "GET",
        "/api/v1/features/<path:action>/cards/<locale>",
        "/api/v1/features/pos.sale.complete/cards/en",
        READERS,
        bad_path="/api/v1/features/pos.sale.complete/cards/fr",
    ),
    Route(
        "PUT",
        "/api/v1/features/<path:action>/cards/<locale>",
        "/api/v1/features/pos.sale.complete/cards/en",
        frozenset({"admin", "rollout_lead"}),
        body=CARD,
        bad_body={**CARD, "steps": []},
    ),
    Route(
        "PUT",
        "/api/v1/features/<path:action>/cards/<locale>/image",
        "/api/v1/features/pos.sale.complete/cards/en/image",
        frozenset({"admin", "rollout_lead"}),
        body=PNG,
        bad_body=b"GIF89a not an image we take",
        media_type="image/png",
    ),
    Route(
        "GET",
        "/api/v1/features/<path:action>/cards/<locale>/image",
        "/api/v1/features/pos.sale.complete/cards/en/image",
        READERS,
        bad_path="/api/v1/features/pos.sale.complete/cards/zh/image",
    ),
    Route(
        "DELETE",
        "/api/v1/features/<path:action>/cards/<locale>",
        "/api/v1/features/pos.sale.complete/cards/en",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/features/pos.sale.complete/cards/zh",
    ),
    Route(
        "GET",
        "/api/v1/quarantine",
        "/api/v1/quarantine?status=all",
        ADMIN,
        bad_path="/api/v1/quarantine?status=bogus",
    ),
    Route(
        "POST",
        "/api/v1/quarantine/<int:item_id>/replay",
        "/api/v1/quarantine/{replay_id}/replay",
        ADMIN,
        bad_path="/api/v1/quarantine/999999/replay",
    ),
    Route(
        "POST",
        "/api/v1/quarantine/<int:item_id>/discard",
        "/api/v1/quarantine/{discard_id}/discard",
        ADMIN,
        bad_path="/api/v1/quarantine/999999/discard",
    ),
    Route(
        "GET",
        "/api/v1/quarantine/summary",
        "/api/v1/quarantine/summary",
        ADMIN,
        bad_path="/api/v1/quarantine/summary?received_from=2026-13-01",
    ),
    Route(
        "POST",
        "/api/v1/quarantine/replay",
        "/api/v1/quarantine/replay",
        ADMIN,
        body={"dry_run": True},
        bad_body={"dry_run": "yes"},
    ),
    Route(
        "POST",
        "/api/v1/quarantine/discard",
        "/api/v1/quarantine/discard",
        ADMIN,
        body={"dry_run": True},
        bad_body={"dry_run": "yes"},
    ),
    Route(
        "GET",
        "/api/v1/adoption/sites",
        "/api/v1/adoption/sites",
        ADOPTION,
        bad_path="/api/v1/adoption/sites?from=yesterday",
    ),
    Route(
        "GET",
        "/api/v1/adoption/sites/<site_id>/series",
        "/api/v1/adoption/sites/S001/series",
        ADOPTION,
        bad_path="/api/v1/adoption/sites/NOPE/series?by=month",
    ),
    Route(
        "GET",
        "/api/v1/adoption/insights",
        "/api/v1/adoption/insights?site_id=S001",
        ADOPTION,
        bad_path="/api/v1/adoption/insights?site_id=NOPE",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/proficiency",
        "/api/v1/employees/E001/proficiency",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/proficiency?as_of=soon",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/history",
        "/api/v1/employees/E001/history",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/history?from=soon",
    ),
    Route("GET", "/api/v1/scoring/configs", "/api/v1/scoring/configs", READERS),
    Route(
        "POST",
        "/api/v1/scoring/configs",
        "/api/v1/scoring/configs",
        ADMIN,
        body={},
        bad_body={"w_breadth": "heavy"},
    ),
    Route(
        "GET",
        "/api/v1/leaderboards",
        "/api/v1/leaderboards?scope=site:S001&period=all",
        READERS,
        bad_path="/api/v1/leaderboards?scope=site:S001&period=2026-13",
    ),
    Route(
        "GET",
        "/api/v1/sites/<site_id>/team",
        "/api/v1/sites/S001/team",
        READERS,
        bad_path="/api/v1/sites/S001/team?period=fortnight",
    ),
    Route(
        "GET",
        "/api/v1/sites/<site_id>/coaching",
        "/api/v1/sites/S001/coaching",
        frozenset({"admin", "hr", "rollout_lead", "manager"}),
        bad_path="/api/v1/sites/NOPE/coaching",
    ),
    Route(
        "GET",
        "/api/v1/leaderboards/around",
        "/api/v1/leaderboards/around?scope=site:S001&user_id=E001",
        # Rollout leads see every ranking as Anonymous: asking around someone would name them.
        frozenset({"admin", "hr", "manager", "employee"}),
        bad_path="/api/v1/leaderboards/around?scope=site:S001&user_id=NOPE",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/points",
        "/api/v1/employees/E001/points",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/points",
    ),
    Route(
        "POST",
        "/api/v1/employees/<user_id>/awards",
        "/api/v1/employees/E001/awards",
        frozenset({"admin", "hr", "manager"}),
        body={"points": 5, "reason": "Covered a shift"},
        bad_path="/api/v1/employees/NOPE/awards",
        bad_body={"points": 0, "reason": "x"},
    ),
    Route("GET", "/api/v1/points/configs", "/api/v1/points/configs", READERS),
    Route(
        "POST",
        "/api/v1/points/configs",
        "/api/v1/points/configs",
        ADMIN,
        body={"kudos_points": 1},
        bad_body={"kudos_points": -1},
    ),
    Route(
        "POST",
        "/api/v1/employees/<user_id>/kudos",
        "/api/v1/employees/E001/kudos",
        # An employee thanks colleagues only where the points config allows (off by default).
        frozenset({"admin", "hr", "manager"}),
        body={"message": "Helped with returns"},
        bad_path="/api/v1/employees/NOPE/kudos",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/kudos",
        "/api/v1/employees/E001/kudos",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/kudos",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/progress",
        "/api/v1/employees/E001/progress",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/progress",
    ),
    Route(
        "GET",
        "/api/v1/jobs/runs",
        "/api/v1/jobs/runs?job=snapshots",
        ADMIN,
        bad_path="/api/v1/jobs/runs?limit=0",
    ),
    Route(
        "GET",
        "/api/v1/waves",
        "/api/v1/waves",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/waves?limit=abc",
    ),
    Route(
        "PUT",
        "/api/v1/waves/<int:n>",
        "/api/v1/waves/1",
        frozenset({"admin", "rollout_lead"}),
        body={"planned_go_live_on": "2026-12-07", "canary_share": 0.5},
        bad_body={"canary_share": 2},
    ),
    Route(
        "GET",
        "/api/v1/waves/<int:n>",
        "/api/v1/waves/1",  # wave 1: planned by the PUT above, and S001's wave after PUT /sites
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/waves/99",
    ),
    Route(
        "GET",
        "/api/v1/pilots/readiness",
        "/api/v1/pilots/readiness?wave=1",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/pilots/readiness?wave=soon",
    ),
    Route(
        "GET",
        "/api/v1/pilots/readiness/rules",
        "/api/v1/pilots/readiness/rules",
        frozenset({"admin", "rollout_lead"}),
    ),
    Route(
        "PUT",
        "/api/v1/pilots/readiness/rules",
        "/api/v1/pilots/readiness/rules",
        frozenset({"admin", "rollout_lead"}),
        body=[
            {
                "metric": "adoption_rate",
                "comparison": ">=",
                "threshold": 0.8,
                "weeks": 2,
                "scope": "pilots",
            }
        ],
        bad_body=[{"metric": "happiness"}],
    ),
    Route(
        "GET",
        "/api/v1/pilots/comparison",
        "/api/v1/pilots/comparison?metric=adoption_rate&week=0",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/pilots/comparison?metric=nope&week=-1",
    ),
    Route(
        "GET",
        "/api/v1/pilots/hotspots",
        "/api/v1/pilots/hotspots",
        frozenset({"admin", "rollout_lead"}),
    ),
    Route(
        "GET",
        "/api/v1/pilots/time-to-proficiency",
        "/api/v1/pilots/time-to-proficiency",
        frozenset({"admin", "rollout_lead"}),
    ),
    Route(
        "GET",
        "/api/v1/pilots/charts/<chart>.<fmt>",
        "/api/v1/pilots/charts/curve.svg?metric=adoption_rate",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/pilots/charts/pie.gif",
    ),
    Route(
        "GET",
        "/api/v1/pilots/did",
        "/api/v1/pilots/did?metric=adoption_rate&control=never",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/pilots/did?control=sometimes",
    ),
    Route(
        "GET",
        "/api/v1/reports/optimisation",
        "/api/v1/reports/optimisation?from=2026-11-01&to=2026-11-07",
        frozenset({"admin", "rollout_lead", "hr"}),
        bad_path="/api/v1/reports/optimisation?from=2026-11-08&to=2026-11-01",
    ),
    # Targets: the world's target is read, replaced, then deleted (in this order).
    Route("GET", "/api/v1/targets", "/api/v1/targets", frozenset({"admin", "rollout_lead", "hr"})),
    Route(
        "POST",
        "/api/v1/targets",
        "/api/v1/targets",
        frozenset({"admin", "rollout_lead"}),
        body=TARGET,
        bad_body={**TARGET, "metric": "happiness"},
    ),
    Route(
        "GET",
        "/api/v1/targets/<int:target_id>",
        "/api/v1/targets/{target_id}",
        frozenset({"admin", "rollout_lead", "hr"}),
        bad_path="/api/v1/targets/999999",
    ),
    Route(
        "PUT",
        "/api/v1/targets/<int:target_id>",
        "/api/v1/targets/{target_id}",
        frozenset({"admin", "rollout_lead"}),
        body=TARGET,
        bad_path="/api/v1/targets/999999",
        bad_body={**TARGET, "threshold": 80},
    ),
    Route(
        "DELETE",
        "/api/v1/targets/<int:target_id>",
        "/api/v1/targets/{target_id}",
        frozenset({"admin", "rollout_lead"}),
        bad_path="/api/v1/targets/999999",
    ),
    Route(
        "GET",
        "/api/v1/champions/<month>",
        "/api/v1/champions/2024-01",
        frozenset({"admin", "hr"}),
        bad_path="/api/v1/champions/2024-13",
    ),
    Route(
        "POST",
        "/api/v1/champions/<month>/close",
        "/api/v1/champions/2024-01/close",
        frozenset({"admin", "hr"}),
        bad_path="/api/v1/champions/January/close",
    ),
    Route(
        "POST",
        "/api/v1/champions/<month>/reopen",
        "/api/v1/champions/2024-01/reopen",  # closed by the POST …/close above
        ADMIN,
        body={"note": "late sales"},
        bad_path="/api/v1/champions/2024-13/reopen",
    ),
    Route(
        "GET",
        "/api/v1/champions/<month>/export",
        "/api/v1/champions/2024-01/export?format=xlsx",
        frozenset({"admin", "hr"}),
        bad_path="/api/v1/champions/2024-01/export?format=pdf",
    ),
    Route(
        "GET",
        "/api/v1/employees/<user_id>/badges",
        "/api/v1/employees/E001/badges",
        PEOPLE,
        bad_path="/api/v1/employees/NOPE/badges",
    ),
    Route(
        "POST",
        "/api/v1/employees/<user_id>/forget",
        "/api/v1/employees/E002/forget",  # no other route reads E002
        ADMIN,
        bad_path="/api/v1/employees/NOPE/forget",
    ),
    Route(
        "GET",
        "/api/v1/access-log",
        "/api/v1/access-log?format=csv",
        frozenset({"admin", "hr"}),
        bad_path="/api/v1/access-log?from=yesterday",
    ),
    Route(
        "POST",
        "/api/v1/accounts/<username>/disable",
        "/api/v1/accounts/target/disable",
        ADMIN,
        bad_path="/api/v1/accounts/nobody/disable",
    ),
    Route(
        "POST",
        "/api/v1/accounts/<username>/enable",
        "/api/v1/accounts/target/enable",
        ADMIN,
        bad_path="/api/v1/accounts/nobody/enable",
    ),
    Route(
        "POST",
        "/api/v1/accounts/<username>/reset-password",
        "/api/v1/accounts/target/reset-password",
        ADMIN,
        bad_path="/api/v1/accounts/nobody/reset-password",
        bad_body={"password": "short"},
    ),
    Route(
        "POST",
        "/api/v1/displays",
        "/api/v1/displays",
        frozenset({"admin", "manager"}),
        body={"site_id": "S001"},
        bad_body={"site_id": "S001", "expires_in_days": 0},
    ),
    Route(
        "GET",
        "/api/v1/displays",
        "/api/v1/displays",
        frozenset({"admin", "manager"}),
        bad_path="/api/v1/displays?site_id=NOPE",
    ),
    Route(
        "DELETE",
        "/api/v1/displays/<int:display_id>",
        "/api/v1/displays/{display_id}",
        frozenset({"admin", "manager"}),
        bad_path="/api/v1/displays/999999",
    ),
    # The drop-in receivers (tests/http/test_receivers.py) take only an ingest token made as a
    # segment or posthog write key: every role's ordinary token is 403 there, naming its format.
    *(
        Route("POST", path, path, frozenset(), body={"batch": []})
        for path in ("/v1/batch", "/v1/track", "/v1/t", "/v1/identify", "/v1/i")
    ),
    *(
        Route("POST", path, path, frozenset(), body={"batch": []})
        for path in ("/batch/", "/capture/", "/e/", "/i/v0/e/")
    ),
    # Notifications: admins manage them all; an employee opts in (and out) for themselves only.
    # The world's subscription is E001's own (the employee caller's), tested before removal.
    Route("GET", "/api/v1/notifications", "/api/v1/notifications", OWN_NOTIFICATIONS),
    Route(
        "POST",
        "/api/v1/notifications",
        "/api/v1/notifications",
        OWN_NOTIFICATIONS,
        body={"event": "person.badge", "channel": "mailto:e001@example.com", "user_id": "E001"},
        bad_body={"event": "nope"},
    ),
    Route(
        "POST",
        "/api/v1/notifications/<int:subscription_id>/test",
        "/api/v1/notifications/{subscription_id}/test",
        ADMIN,
        bad_path="/api/v1/notifications/999999/test",
    ),
    Route(
        "DELETE",
        "/api/v1/notifications/<int:subscription_id>",
        "/api/v1/notifications/{subscription_id}",
        OWN_NOTIFICATIONS,
        bad_path="/api/v1/notifications/999999",
    ),
    Route(
        "GET",
        "/api/v1/notifications/deliveries",
        "/api/v1/notifications/deliveries",
        ADMIN,
        bad_path="/api/v1/notifications/deliveries?status=lost",
    ),
    # A bearer token has no password of its own: only a signed-in account may change one.
    Route(
        "POST",
        "/api/v1/account/password",
        "/api/v1/account/password",
        frozenset(),
        body={"current_password": "old password", "new_password": "a new password"},
        bad_body={"new_password": 5},
    ),
    # The language of a signed-in account: a bearer token has none either.
    Route("GET", "/api/v1/account/locale", "/api/v1/account/locale", frozenset()),
    Route(
        "PUT",
        "/api/v1/account/locale",
        "/api/v1/account/locale",
        frozenset(),
        body={"locale": "zh"},
        bad_body={"locale": "fr"},
    ),
]


def call(client, route: Route, world: dict, headers: dict | None = None, *, bad: bool = False):
    path = (route.bad_path if bad and route.bad_path else route.path).format(**world)
    body = route.bad_body if bad and route.bad_body is not None else route.body
    if route.media_type:
        kw = {"data": body, "content_type": route.media_type}
        return client.open(path, method=route.method, headers=headers or {}, **kw)
    return client.open(path, method=route.method, json=body, headers=headers or {})


@pytest.fixture
def world(make_site, make_employee, session) -> dict:
    """Two sites with one employee each, a mapped feature, and two quarantined events."""
    make_site("S001")
    make_site("S002")
    make_employee("E001", "S001")
    make_employee("E002", "S002")
    feature_records.put_feature(session, "pos.sale.complete", {}, now=NOW)
    # Valid now (the site exists), so an admin's replay is accepted.
    held = {"site_id": ["Unknown site."]}
    quarantine.store_events(session, "pos", [(event("q1"), held), (event("q2"), held)], NOW)
    session.commit()
    credentials.create_account(session, username="target", role="hr", now=NOW)
    session.commit()
    replay_id, discard_id = session.scalars(select(Quarantine.id).order_by(Quarantine.id)).all()
    link, _ = create_display(
        session,
        get_site(session, "S001"),
        name="world-tv",
        expires_in_days=None,
        now=NOW,
        actor="t",
    )
    # No SMTP server is configured: a test message fails at once (200, ok false).
    subscription = subscribe(
        session,
        event="person.badge",
        channel="mailto:e001@example.com",
        user="E001",
        now=NOW,
        actor="t",
    )
    target = add_target(session, TARGET, now=NOW, actor="t")
    cards.set_card(session, "pos.sale.complete", "en", CARD, now=NOW, actor="t")
    cards.set_card_image(session, "pos.sale.complete", "en", PNG, None, now=NOW, actor="t")
    session.commit()
    return {
        "target_id": target["id"],
        "replay_id": replay_id,
        "discard_id": discard_id,
        "display_id": link.id,
        "subscription_id": subscription.id,
    }


@pytest.fixture
def role_headers(make_token):
    def make(role: str) -> dict:
        return make_token(role, name=f"{role}-caller", **SCOPE.get(role, {}))

    return make


def test_every_route_is_in_the_auth_matrix(app):
    served = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.rule not in PUBLIC
        # pages: tests/web/test_page_access.py; the store display: tests/web/test_display_page.py
        if not rule.endpoint.startswith(("web.", "display."))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == {route.key for route in ROUTES}


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_probes_and_openapi_need_no_token(client, path):
    assert client.get(path).status_code == 200


def _expired_token(session) -> dict:
    # Created two days ago for one day: it expired yesterday.
    _, plain = credentials.create_token(
        session, role="admin", name="old", now=datetime.now(UTC) - timedelta(days=2), expires_days=1
    )
    session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _revoked_token(session, make_token) -> dict:
    headers = make_token("admin", name="gone")
    credentials.revoke_token(session, "gone", now=datetime.now(UTC))
    session.commit()
    return headers


CREDENTIALS = {
    "no header": lambda session, make_token: {},
    "basic scheme": lambda session, make_token: {"Authorization": "Basic x"},
    "empty bearer": lambda session, make_token: {"Authorization": "Bearer "},
    "bare scheme": lambda session, make_token: {"Authorization": "Bearer"},
    "random bearer": lambda session, make_token: {
        "Authorization": f"Bearer upt_{secrets.token_urlsafe(32)}"
    },
    "revoked token": _revoked_token,
    "expired token": lambda session, make_token: _expired_token(session),
}


@pytest.mark.parametrize("credential", CREDENTIALS)
def test_missing_or_invalid_credentials_are_401_on_every_route(
    world, client, session, make_token, credential
):
    headers = CREDENTIALS[credential](session, make_token)
    wrong = {}
    for route in ROUTES:
        response = call(client, route, world, headers)
        if response.status_code != 401 or response.json["error"]["code"] != "unauthorized":
            wrong[route.key] = response.status_code
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_role_succeeds_on_the_routes_it_may_use(world, client, role_headers, role):
    headers = role_headers(role)
    wrong = {}
    for route in ROUTES:
        if role in route.allowed:
            response = call(client, route, world, headers)
            if response.status_code not in (200, 201, 204):
                wrong[route.key] = (response.status_code, response.json)
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_403_on_the_routes_it_may_not_use(world, client, role_headers, role):
    headers = role_headers(role)
    wrong = {}
    for route in ROUTES:
        if role not in route.allowed:
            response = call(client, route, world, headers)
            if response.status_code != 403 or response.json["error"]["code"] != "forbidden":
                wrong[route.key] = response.status_code
    assert wrong == {}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_forbidden_role_gets_403_before_404_or_422(world, client, role_headers, role):
    headers = role_headers(role)
    wrong = {}
    for route in ROUTES:
        if role not in route.allowed:
            response = call(client, route, world, headers, bad=True)
            if response.status_code != 403:
                wrong[route.key] = response.status_code
    assert wrong == {}


def test_allowed_role_gets_404_for_an_unknown_item(world, client, role_headers):
    response = client.get("/api/v1/sites/NOPE", headers=role_headers("hr"))
    assert response.status_code == 404


def test_ingest_token_may_post_events_and_nothing_else(world, client, role_headers):
    headers = role_headers("ingest")
    statuses = {route.key: call(client, route, world, headers).status_code for route in ROUTES}
    assert {key for key, status in statuses.items() if status != 403} == {"POST /api/v1/events"}


@pytest.mark.parametrize("path", ["/api/v1/sites/S002", "/api/v1/employees?site_id=S002"])
def test_manager_gets_403_on_another_sites_item(world, client, role_headers, path):
    response = client.get(path, headers=role_headers("manager"))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_manager_gets_404_on_another_sites_employee(world, client, role_headers):
    # As for an unknown id, so probing ids tells nothing (docs/privacy.md).
    response = client.get("/api/v1/employees/E002", headers=role_headers("manager"))
    assert response.status_code == 404


def test_manager_site_list_is_filtered_to_its_sites(world, client, role_headers):
    response = client.get("/api/v1/sites", headers=role_headers("manager"))
    assert [site["site_id"] for site in response.json] == ["S001"]


def test_manager_employee_list_is_filtered_to_its_sites(world, client, role_headers):
    response = client.get("/api/v1/employees", headers=role_headers("manager"))
    assert [person["user_id"] for person in response.json] == ["E001"]


@pytest.mark.parametrize(
    ("path", "status"), [("/api/v1/sites/S002", 403), ("/api/v1/employees/E002", 404)]
)
def test_employee_gets_403_or_404_outside_itself_and_its_home_site(
    world, client, role_headers, path, status
):
    assert client.get(path, headers=role_headers("employee")).status_code == status


def test_rollout_lead_gets_403_changing_a_sites_name(world, client, role_headers):
    response = client.put(
        "/api/v1/sites/S001", json={"name": "Renamed"}, headers=role_headers("rollout_lead")
    )
    assert response.status_code == 403
    assert response.json["error"]["details"] == {"fields": ["name"]}


def _log_in(client, session, role: str, **scope) -> Account:
    account, password = credentials.create_account(
        session, username=f"{role}-web", role=role, now=NOW, **scope
    )
    session.commit()
    assert log_in(client, account.username, password).status_code == 302
    return account


def test_web_session_login_authenticates_api_calls(world, client, session):
    _log_in(client, session, "hr")
    response = client.get("/api/v1/employees")
    assert response.status_code == 200
    assert {person["user_id"] for person in response.json} == {"E001", "E002"}


def test_web_session_keeps_the_accounts_role(world, client, session):
    _log_in(client, session, "hr")
    assert client.get("/api/v1/quarantine").status_code == 403


def test_web_session_keeps_the_accounts_site_scope(world, client, session):
    _log_in(client, session, "manager", sites=["S001"])
    assert client.get("/api/v1/sites/S001").status_code == 200
    assert client.get("/api/v1/sites/S002").status_code == 403


def test_web_session_of_a_disabled_account_is_401(world, client, session):
    account = _log_in(client, session, "admin")
    account.disabled_at = NOW
    session.commit()
    response = client.get("/api/v1/sites")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_invalid_bearer_is_401_even_with_a_web_session(world, client, session):
    _log_in(client, session, "admin")
    response = client.get("/api/v1/sites", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_web_session_needs_its_csrf_header_to_change_anything(world, client, session):
    _log_in(client, session, "admin")
    body = {"name": "Renamed"}
    assert client.put("/api/v1/sites/S001", json=body).status_code == 403
    with client.session_transaction() as web_session:
        web_session["csrf_token"] = "tok"
    wrong = client.put("/api/v1/sites/S001", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    right = client.put("/api/v1/sites/S001", json=body, headers={"X-CSRF-Token": "tok"})
    assert right.status_code == 200


OPERATOR_KEY = "uptake.operator"


def test_no_request_can_claim_the_cli_operator(client):
    """The `uptake` CLI's operator (`api.auth.operator_principal`) is read from a WSGI environ
    key no HTTP header can set, and only as a `Principal` of kind operator: a header of that
    name, a string or another kind of principal under the key is anonymous (401)."""
    runs = "/api/v1/jobs/runs"
    assert client.get(runs, headers={OPERATOR_KEY: "cli:root"}).status_code == 401
    assert client.get(runs, environ_base={OPERATOR_KEY: "cli:root"}).status_code == 401
    token = credentials.Principal(kind="token", name="cli:root", role="admin")
    assert client.get(runs, environ_base={OPERATOR_KEY: token}).status_code == 401
    operator = credentials.Principal(kind="operator", name="cli:ana", role="admin")
    assert client.get(runs, environ_base={OPERATOR_KEY: operator}).status_code == 200


def test_the_served_app_drops_the_operator_key():
    seen: dict = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    _without_operator(app)({OPERATOR_KEY: object(), "PATH_INFO": "/"}, None)
    assert OPERATOR_KEY not in seen and seen["PATH_INFO"] == "/"
