"""A deterministic, realistic event stream for bench/ingest.py, with master data to match.

50 sites in five timezones, 2,000 rostered employees, 40 features (two aliases). Events fall in
opening hours over 28 local days and arrive in time order; about 5% are errors, 2% name an
unrostered user, 1% an unmapped action, 1% are invalid (quarantined) and 1% are resent.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SOURCE = "pos"
WINDOW_END = datetime(2026, 10, 29, tzinfo=UTC)  # fixed, so every run sends the same bytes
WINDOW_DAYS = 28
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "America/Chicago", "Asia/Tokyo")
N_SITES = 50
N_EMPLOYEES = 2_000
MODULES = {
    "pos": ("sale.complete", "sale.void", "refund", "refund.v2", "discount.apply", "price.override",
            "payment.card", "payment.cash", "payment.split", "receipt.reprint", "drawer.open",
            "sale.quick"),
    "inventory": ("count.start", "count.submit", "transfer.create", "transfer.receive",
                  "lookup", "adjust", "label.print", "order.create"),
    "crm": ("customer.lookup", "customer.create", "loyalty.redeem", "loyalty.enrol",
            "voucher.issue", "note.add"),
    "returns": ("start", "scan", "approve", "exchange", "label.print"),
    "reports": ("daily.open", "daily.export", "shift.close", "sales.view", "stock.view"),
    "admin": ("user.switch", "settings.open", "printer.test", "sync.force"),
}  # fmt: skip
ALIASES = {"pos.refund.v2": "pos.refund", "pos.sale.quick": "pos.sale.complete"}
INVALID = (
    ("occurred_at", "yesterday"),
    ("occurred_at", "2026-10-05T10:00:00"),  # no offset
    ("occurred_at", "2099-01-01T00:00:00Z"),  # in the future
    ("user_id", None),
    ("duration_ms", -40),
    ("outcome", "failed"),
    ("site_id", "S999"),  # valid shape, unknown site
    ("properties", "terminal=7"),
    ("event", None),  # a null in the array
)


@dataclass
class Dataset:
    sites: list[tuple[str, str]]
    employees: list[tuple[str, str]]
    features: list[tuple[str, dict]]
    events: list[object] = field(default_factory=list)
    raw_rows: dict[str, list[tuple]] = field(default_factory=dict)
    #: Users and actions that only events name: key → (id in raw_rows, site id for a user, None
    #: for an action). Rostered users and catalogue actions have ids 1, 2, … in list order.
    newcomers: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    def batches(self, size: int) -> Iterator[list[object]]:
        for i in range(0, len(self.events), size):
            yield self.events[i : i + size]


def generate(n: int, *, seed: int, now: datetime) -> Dataset:
    """`n` events (resends included); `now` only checks that the window lies in the past."""
    if now < WINDOW_END + timedelta(minutes=5):
        raise SystemExit(f"the machine's clock ({now}) is before the bench window's end")
    rng = random.Random(seed)
    data = _master_data(rng)
    stream = _Stream(rng, data)
    originals = [stream.event(i) for i in range(n - n // 100)]
    originals.sort(key=lambda pair: pair[0]["_at"])
    resends = set(rng.sample(range(1, n), n // 100)) if n > 1 else set()
    events: list[tuple[object, tuple]] = []
    for ev, row in originals:
        while len(events) in resends:  # a retry resends one of the last few thousand
            events.append(events[rng.randrange(max(0, len(events) - 3000), len(events))])
        events.append((_finish(rng, ev), row))
    data.events = [ev for ev, _ in events]
    rows = [row for _, row in events]
    data.raw_rows = {"postgresql": rows, "sqlite": [_sqlite_row(row) for row in rows]}
    data.newcomers = stream.newcomers
    return data


def _master_data(rng: random.Random) -> Dataset:
    sites = [(f"S{i:03d}", ZONES[i % len(ZONES)]) for i in range(1, N_SITES + 1)]
    employees = [(f"E{i:05d}", sites[i % N_SITES][0]) for i in range(1, N_EMPLOYEES + 1)]
    features = []
    for module, verbs in MODULES.items():
        for verb in verbs:
            action = f"{module}.{verb}"
            values = {
                "is_core": module in ("pos", "returns"),
                "expected_ms": rng.choice((900, 1500, 2500, 4000, 8000, 15000)),
                "points": rng.randint(1, 5),
                "daily_cap": rng.choice((None, 10, 20, 50)),
            }
            if action in ALIASES:
                values["alias_of"] = ALIASES[action]
            features.append((action, values))
    return Dataset(sites, employees, features)


class _Stream:
    """Draws one event at a time; ids of unknown users and actions follow first appearance."""

    def __init__(self, rng: random.Random, data: Dataset):
        self.rng = rng
        self.sites = data.sites
        self.site_ids = {code: i for i, (code, _) in enumerate(data.sites, 1)}
        self.zones = {code: ZoneInfo(tz) for code, tz in data.sites}
        self.employees = data.employees
        self.activity = [rng.lognormvariate(0, 0.8) for _ in data.employees]
        self.features = data.features
        self.popularity = [1 / (k + 1) ** 0.8 for k in range(len(data.features))]
        rng.shuffle(self.popularity)
        self.ids = {a: i for i, (a, _) in enumerate(data.features, 1)}
        self.ids.update({u.lower(): i for i, (u, _) in enumerate(data.employees, 1)})
        self.start = WINDOW_END - timedelta(days=WINDOW_DAYS)
        self.newcomers: dict[str, tuple[int, int | None]] = {}

    def _id(self, key: str, site_id: int | None = None) -> int:
        known = self.ids.get(key)
        if known is None:
            known = self.ids[key] = len(self.ids)
            self.newcomers[key] = (known, site_id)
        return known

    def event(self, i: int) -> tuple[dict, tuple]:
        rng = self.rng
        emp = rng.choices(range(len(self.employees)), self.activity)[0]
        user_id, site_code = self.employees[emp]
        if rng.random() < 0.03:  # covering a shift elsewhere
            site_code = rng.choice(self.sites)[0]
        if rng.random() < 0.02:
            user_id = f"T{rng.randrange(150):04d}"  # temporary staff, not on the roster
        feat = rng.choices(range(len(self.features)), self.popularity)[0]
        action, values = self.features[feat]
        if rng.random() < 0.01:
            action = f"beta.trial{rng.randrange(12)}"
        zone = self.zones[site_code]
        local_day = (self.start + timedelta(days=rng.randrange(WINDOW_DAYS))).date()
        seconds = rng.randrange(7 * 3600, 21 * 3600)
        local = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
        at = (local + timedelta(seconds=seconds, milliseconds=rng.randrange(1000))).astimezone(UTC)
        outcome = "error" if rng.random() < 0.05 else "success"
        duration = None
        if rng.random() < (0.9 if outcome == "success" else 0.6):
            duration = int(rng.lognormvariate(math.log(values["expected_ms"] * 1.6), 0.6))
        props = None
        if rng.random() < 0.3:
            props = {"terminal": f"T{rng.randrange(1, 9):02d}", "items": rng.randrange(1, 25)}
            if rng.random() < 0.3:
                props["tags"] = rng.sample(["promo", "member", "manual", "offline"], 2)
        ev = {"event_id": f"{SOURCE}-{i:08d}", "user_id": user_id, "site_id": site_code,
              "action": action, "_at": at, "_zone": zone, "outcome": outcome,
              "duration_ms": duration, "properties": props}  # fmt: skip
        site_id = self.site_ids[site_code]
        row = (SOURCE, ev["event_id"], self._id(user_id.lower(), site_id), site_id,
               self._id(action), at, at.astimezone(zone).date(), outcome, duration,
               json.dumps(props) if props else None, WINDOW_END)  # fmt: skip
        return ev, row


def _finish(rng: random.Random, ev: dict) -> object:
    """The wire form: local or Z timestamps, optional fields left out, ids as sources send them."""
    at, zone = ev.pop("_at"), ev.pop("_zone")
    if rng.random() < 0.7:
        ev["occurred_at"] = at.astimezone(zone).isoformat(timespec="milliseconds")
    else:
        ev["occurred_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if ev["outcome"] == "success" and rng.random() < 0.4:
        del ev["outcome"]  # the default
    for key in ("duration_ms", "properties"):
        if ev[key] is None:
            del ev[key]
    if rng.random() < 0.05:
        ev["user_id"] = ev["user_id"].lower()
    if rng.random() < 0.03:
        ev["site_id"] = f" {ev['site_id'].lower()}"
    if rng.random() < 0.01:
        key, value = rng.choice(INVALID)
        if key == "event":
            return value
        if value is None:
            del ev[key]
        else:
            ev[key] = value
    return ev


def _sqlite_row(row: tuple) -> tuple:
    """The same row as SQLite stores it: datetimes and dates as ISO text."""
    at, day, received = row[5], row[6], row[10]
    return (*row[:5], _text(at), day.isoformat(), *row[7:10], _text(received))


def _text(value: datetime | date) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
