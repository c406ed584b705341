"""Rollout waves: which sites go live together, when it is planned, and which go first (canaries).

A wave's sites are the sites whose `wave` is its number, so `PUT /sites/{id}` and `PUT /waves/{n}`
edit the same fact. A wave's planned go-live never overwrites a site's actual `go_live_on`.

Canary sites: the first ceil(share × n) of the wave's sites in a fixed pseudo-random order (by
sha256 of "wave number:site code"), so the choice is reproducible, does not favour old low-numbered
stores, and a site joining or leaving does not reorder the others. Once chosen, canaries are kept:
a later change keeps those still in the wave and only tops up (or trims) in that same order.

A wave's status (`wave_status`) says how far it has gone, from its sites' own go-live days: a site
is live once its go_live_on has come in its time zone.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import local_today
from adoption.errors import Invalid, NotFound
from adoption.masterdata.cleaning import key_of, normalise_text
from adoption.masterdata.records import apply_values
from adoption.models import Site
from pilots.models import Wave

WAVE_FIELDS = ("name", "planned_go_live_on", "canary_share", "notes")
MAX_WAVE = 2**31 - 1  # the column is a 32-bit integer
STATUSES = ("planned", "canary_live", "partly_live", "live")


CANARY_SHARE_RULE = "Must be greater than 0 and at most 1."


def check_canary_share(value: object) -> float:
    """A wave's canary share is a number in (0, 1]; anything else raises Invalid naming
    canary_share. The one rule: the domain, the API schema and the CLI all call it."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not 0 < value <= 1:
        raise Invalid({"canary_share": [CANARY_SHARE_RULE]})
    return float(value)


def canary_rank(number: int, code: str) -> str:
    """The sort key of a site in wave `number`'s canary order."""
    return hashlib.sha256(f"{number}:{key_of(code)}".encode()).hexdigest()


def canary_count(share: float, sites: int) -> int:
    """ceil(share × sites), without float noise turning 0.3 × 10 into 4."""
    return math.ceil(round(share * sites, 9))


def pick_canaries(
    number: int, codes: list[str], share: float | None, kept: list[str] | None
) -> list[str] | None:
    """The canary sites among `codes`: the `kept` ones still there first, topped up in order."""
    if share is None:
        return None
    order = sorted(codes, key=lambda c: (canary_rank(number, c), key_of(c)))
    position = {key_of(c): i for i, c in enumerate(order)}
    target = canary_count(share, len(codes))
    still = sorted({key_of(c) for c in kept or []} & set(position), key=position.__getitem__)
    chosen = set(still[:target])
    for code in order:
        if len(chosen) >= target:
            break
        chosen.add(key_of(code))
    return sorted((c for c in order if key_of(c) in chosen), key=key_of)


def _members(session: Session, number: int) -> list[Site]:
    return list(session.scalars(select(Site).where(Site.wave == number).order_by(Site.code_key)))


def is_live(site: Site, now: datetime) -> bool:
    """The site's go_live_on has come: it is on or before the site's local today."""
    return site.go_live_on is not None and site.go_live_on <= local_today(site.timezone, now)


def wave_status(sites: list[Site], canaries: list[str] | None, now: datetime) -> dict:
    """How far a wave has gone (docs/metrics.md "Wave status"), from its sites' go-live days.

    `planned`: no site live (a wave without sites too); `live`: every site live;
    `canary_live`: only canary sites live so far; `partly_live`: some but not all sites live,
    one of them not a canary (or the wave has no canary plan). `first_go_live_on` is the
    earliest go_live_on of a live site, `full_go_live_on` the latest once every site is live.
    """
    live = [s for s in sites if is_live(s, now)]
    canary_keys = {key_of(c) for c in canaries or []}
    if not live:
        status = "planned"
    elif len(live) == len(sites):
        status = "live"
    elif canaries and all(s.code_key in canary_keys for s in live):
        status = "canary_live"
    else:
        status = "partly_live"
    days = [s.go_live_on for s in live]
    return {
        "status": status,
        "sites_live": len(live),
        "first_go_live_on": min(days, default=None),
        "full_go_live_on": max(days) if status == "live" else None,
    }


def _as_dict(number: int, wave: Wave | None, sites: list[Site], now: datetime) -> dict:
    codes = [s.code for s in sites]
    share = wave.canary_share if wave else None
    canaries = pick_canaries(number, codes, share, wave.canary_sites if wave else None)
    return {
        "wave": number,
        "name": wave.name if wave else None,
        "planned_go_live_on": wave.planned_go_live_on if wave else None,
        "canary_share": share,
        "canary_sites": canaries,
        "sites": codes,
        "notes": wave.notes if wave else None,
        **wave_status(sites, canaries, now),
    }


def site_choices(session: Session, *, now: datetime) -> list[dict]:
    """Every site by code, as a wave's form offers them: code, name, wave, go_live_on, live."""
    return [
        {
            "code": s.code,
            "name": s.name,
            "wave": s.wave,
            "go_live_on": s.go_live_on,
            "live": is_live(s, now),
        }
        for s in session.scalars(select(Site).order_by(Site.code_key))
    ]


def get_wave(session: Session, number: int, *, now: datetime) -> dict:
    """A planned wave, or a number some site carries, with its status at `now`; NotFound when
    it is neither."""
    in_range = 0 <= number <= MAX_WAVE
    wave = session.get(Wave, number) if in_range else None
    sites = _members(session, number) if in_range else []
    if wave is None and not sites:
        raise NotFound(f"No wave {number}.", {"wave": number})
    return _as_dict(number, wave, sites, now)


def list_waves(
    session: Session, *, limit: int, now: datetime, after: int | None = None
) -> list[dict]:
    """Planned waves and wave numbers carried by sites, by number, with their status at `now`."""
    planned = {w.number: w for w in session.scalars(select(Wave))}
    carried = set(session.scalars(select(Site.wave).where(Site.wave.is_not(None)).distinct()))
    numbers = sorted(n for n in set(planned) | carried if after is None or n > after)[:limit]
    sites: dict[int, list[Site]] = {n: [] for n in numbers}
    if numbers:
        stmt = select(Site).where(Site.wave.in_(numbers)).order_by(Site.code_key)
        for site in session.scalars(stmt):
            sites[site.wave].append(site)
    return [_as_dict(n, planned.get(n), sites[n], now) for n in numbers]


def put_wave(
    session: Session, number: int, values: dict, *, now: datetime, actor: str
) -> tuple[dict, bool]:
    """Create (201) or replace (200) a wave; omitted fields keep their stored values.

    `sites` (site codes) replaces the wave's membership: listed sites move here (leaving any
    other wave), unlisted ones leave it. Everything is checked before the session is touched.
    """
    values = _checked(number, values)
    new_sites = _sites_of(session, values.pop("sites")) if "sites" in values else None
    wave = session.get(Wave, number)
    created = wave is None
    if created:
        wave = Wave(number=number, created_at=now, updated_at=now)
        session.add(wave)
    before = {f: getattr(wave, f) for f in WAVE_FIELDS}
    members = _members(session, number)
    added, removed, others = [], [], set()
    if new_sites is not None:
        keep = {s.id for s in new_sites}
        removed = [s for s in members if s.id not in keep]
        added = [s for s in new_sites if s.wave != number]
        others = {s.wave for s in added if s.wave is not None}
        for site in removed:
            site.wave, site.updated_at = None, now
        for site in added:
            site.wave, site.updated_at = number, now
        members = sorted(new_sites, key=lambda s: s.code_key)
    changed = apply_values(wave, values, WAVE_FIELDS) or bool(added or removed)
    codes = [s.code for s in members]
    canaries = pick_canaries(number, codes, wave.canary_share, wave.canary_sites)
    if canaries != wave.canary_sites:
        wave.canary_sites, changed = canaries, True
    if changed:
        wave.updated_at = now
    session.flush()
    for other in sorted(others):
        _refresh_canaries(session, other, now)
    if changed or created:
        audit.record(
            session,
            actor=actor,
            action="wave.put",
            target_type="wave",
            target=str(number),
            now=now,
            details={
                "created": created,
                "changes": {
                    f: [_plain(before[f]), _plain(getattr(wave, f))]
                    for f in WAVE_FIELDS
                    if before[f] != getattr(wave, f)
                },
                "sites_added": [s.code for s in added],
                "sites_removed": [s.code for s in removed],
                "canary_sites": wave.canary_sites,
            },
        )
    return _as_dict(number, wave, members, now), created


def _refresh_canaries(session: Session, number: int, now: datetime) -> None:
    """A site moved out of wave `number`: keep its other canaries and top up."""
    wave = session.get(Wave, number)
    if wave is None:
        return
    codes = [s.code for s in _members(session, number)]
    canaries = pick_canaries(number, codes, wave.canary_share, wave.canary_sites)
    if canaries != wave.canary_sites:
        wave.canary_sites, wave.updated_at = canaries, now
        session.flush()


def _checked(number: int, values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if not isinstance(number, int) or not 0 <= number <= MAX_WAVE:
        errors["wave"] = [f"Must be a whole number from 0 to {MAX_WAVE}."]
    unknown = set(values) - {*WAVE_FIELDS, "sites"}
    errors.update({k: ["Unknown field."] for k in sorted(unknown)})
    if values.get("canary_share") is not None:
        try:
            check_canary_share(values["canary_share"])
        except Invalid as exc:
            errors.update(exc.details)
    planned = values.get("planned_go_live_on")
    if planned is not None and not isinstance(planned, date):
        errors["planned_go_live_on"] = ["Not a valid date."]
    if "sites" in values and not isinstance(values["sites"], list | tuple):
        errors["sites"] = ["Must be a list of site codes."]
    if errors:
        raise Invalid(errors)
    values = dict(values)
    for field in ("name", "notes"):
        if field in values:
            values[field] = normalise_text(values[field])
    return values


def _sites_of(session: Session, codes: list[str]) -> list[Site]:
    """The sites of these codes (duplicates once); Invalid naming every unknown code."""
    wanted = {key_of(c): normalise_text(c) for c in codes if key_of(c)}
    found = {s.code_key: s for s in session.scalars(select(Site).where(Site.code_key.in_(wanted)))}
    messages = [f"Unknown site {code!r}." for key, code in wanted.items() if key not in found]
    if any(not key_of(c) for c in codes):
        messages.append("Site codes must not be empty.")
    if messages:
        raise Invalid({"sites": messages})
    return list(found.values())


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
