"""Features (the catalogue of actions): read, create-or-replace, map, and list with keyset
pagination. Points and caps feed the bonus run, so every change is audited. A feature's title
("Process a return") and quick-reference card are for people: changing them changes no score
and no points."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.calendar import chain_today_of
from adoption.errors import Invalid, NotFound
from adoption.ingest.registry import module_of
from adoption.limits import DAILY_CAP, EXPECTED_MS, POINTS, check_values
from adoption.locales import DEFAULT_LOCALE, LOCALES
from adoption.masterdata.cleaning import normalise_action, normalise_text
from adoption.masterdata.records import apply_values, find, required_key
from adoption.models import Feature, Site
from adoption.usage.insights import unmapped_actions

FEATURE_FIELDS = ("module", "is_core", "expected_ms", "points", "daily_cap", "alias_of")
# What people read about a feature: no score, point or rollup rests on them.
TEXT_FIELDS = ("title", "quick_reference_url", "titles")
TITLE_MAX = 200
#: The locales a feature may have a title in besides `title`, the default (English) one.
TITLE_LOCALES = tuple(locale for locale in LOCALES if locale != DEFAULT_LOCALE)
URL_MAX = 500
# Python's `str.strip()` set (as `api.schemas.fields.SPACE`), the C0 controls and DEL: none may
# appear inside a URL. The same text is the OpenAPI pattern (ECMA-262 reads it alike).
_NOT_IN_URL = r"\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE = r"[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_HTTP_URL = rf"[Hh][Tt][Tt][Pp][Ss]?://[^{_NOT_IN_URL}/?#]+(?:[/?#][^{_NOT_IN_URL}]*)?"
#: A quick-reference URL as sent: blank (clears it), or http(s)://host[path], spaces around it.
URL_PATTERN = rf"^{_SPACE}*(?:{_HTTP_URL})?{_SPACE}*$"
URL_RULE = "Must be an http:// or https:// URL with a host and no spaces."
AUDITED = (*FEATURE_FIELDS, *TEXT_FIELDS, "mapped")
UNMAPPED_WINDOW_DAYS = 28
DEFAULT_POINTS = 1  # a feature's points when an admin maps it without giving any
MAX_MAPPED_SHOWN = 1000


def get_feature(session: Session, action: str) -> Feature:
    feature = find(session, Feature, Feature.action, normalise_action(action))
    if feature is None:
        raise NotFound(f"No feature {action!r}.", {"action": action})
    return feature


def list_features(
    session: Session, *, limit: int, after: str | None = None, unmapped: bool | None = None
) -> list[Feature]:
    stmt = select(Feature).order_by(Feature.action).limit(limit)
    if after is not None:
        stmt = stmt.where(Feature.action > after)
    if unmapped is not None:
        stmt = stmt.where(Feature.mapped.is_(not unmapped))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class MappingQueue:
    """What an admin maps: the actions waiting (`adoption.usage.insights.unmapped_actions`:
    action, first_seen, events) with their events counted at every site over `first`..`last`
    (`window_days` local days ending on the chain's current day, `chain_today`), and the mapped
    actions an alias may name (by action, at most `MAX_MAPPED_SHOWN`)."""

    first: date
    last: date
    window_days: int
    waiting: list[dict]
    mapped: list[str]


def mapping_queue(session: Session, now: datetime) -> MappingQueue:
    last = chain_today_of(session, now)
    first = last - timedelta(days=UNMAPPED_WINDOW_DAYS - 1)
    site_ids = set(session.scalars(select(Site.id)))
    return MappingQueue(
        first=first,
        last=last,
        window_days=UNMAPPED_WINDOW_DAYS,
        waiting=unmapped_actions(session, site_ids, first, last),
        mapped=[f.action for f in list_features(session, limit=MAX_MAPPED_SHOWN, unmapped=False)],
    )


def map_feature(
    session: Session, action: str, values: dict, *, now: datetime, actor: str = "system"
) -> tuple[Feature, bool]:
    """Map an action as an admin does it (the admin page and `PUT /features/{action}`).

    The one rule of both doors:
    - `points` not given (a blank field on the page, an omitted key in the API) is the
      contract's default, 1, while the action is not mapped yet: new, or only seen in events
      (registered with 0 points, `Feature.mapped` false); once mapped, it keeps its stored
      value. A blank field never means 0.
    - Any other field not given keeps its stored value (or its default on create).
    - `alias_of`, when given, must name a feature already known (after trimming and lowering):
      a typo is refused with Invalid naming `alias_of`, it never maps silently; an action
      cannot be an alias of itself.
    Then as `put_feature`. (An import of a whole catalog uses `put_feature`, where a row may
    name an alias target that a later row creates.)
    """
    values = dict(values)
    alias = values.get("alias_of")
    if alias is not None:
        target = normalise_action(alias)
        known = find(session, Feature, Feature.action, target)
        if known is None and target != normalise_action(action):
            raise Invalid({"alias_of": [f"No feature {alias!r}."]})
    if "points" not in values:
        mapped = session.scalar(
            select(Feature.mapped).where(Feature.action == normalise_action(action))
        )
        if not mapped:
            values["points"] = DEFAULT_POINTS
    return put_feature(session, action, values, now=now, actor=actor)


def check_text_fields(values: dict) -> dict:
    """The given `title` and `quick_reference_url` as stored, or Invalid naming each bad one.

    Both are trimmed, and blank (or null) clears them. A title keeps at most 200 characters; a
    URL at most 500 and must be http:// or https:// with a host and no spaces or control
    characters (`URL_PATTERN`, the API's rule too). Neither may hold a NUL character.
    """
    errors: dict[str, list[str]] = {}
    out: dict[str, str | None] = {}
    for name, limit in (("title", TITLE_MAX), ("quick_reference_url", URL_MAX)):
        if name not in values:
            continue
        value = values[name]
        if value is not None and not isinstance(value, str):
            errors[name] = ["Not a valid string."]
            continue
        text = normalise_text(value)
        if text is not None and "\x00" in text:
            errors[name] = ["Must not contain a NUL character."]
        elif text is not None and len(text) > limit:
            errors[name] = [f"Length must be between 0 and {limit}."]
        elif text is not None and name == "quick_reference_url" and not _url(text):
            errors[name] = [URL_RULE]
        else:
            out[name] = text
    if errors:
        raise Invalid(errors)
    return out


def check_titles(value: object) -> dict[str, str | None]:
    """The given titles by locale as stored (trimmed; blank or null: none), or Invalid naming
    `titles` and each bad locale. Only `TITLE_LOCALES`: the default title is `title`. Null
    clears every one."""
    if value is None:
        return dict.fromkeys(TITLE_LOCALES)
    if not isinstance(value, dict):
        raise Invalid({"titles": ['Must be an object of titles by locale, e.g. {"zh": "…"}.']})
    errors: dict[str, list[str]] = {}
    out: dict[str, str | None] = {}
    for locale, title in value.items():
        if locale not in TITLE_LOCALES:
            known = ", ".join(TITLE_LOCALES)
            why = "The default title is `title`." if locale == DEFAULT_LOCALE else "Unknown locale."
            errors[str(locale)] = [f"{why} Locales: {known}."]
            continue
        try:
            out[locale] = check_text_fields({"title": title}).get("title")
        except Invalid as exc:
            errors[locale] = exc.details["title"]
    if errors:
        raise Invalid({"titles": errors})
    return out


def merged_titles(stored: dict | None, given: dict[str, str | None]) -> dict | None:
    """The stored titles with the given locales set (None removes one); None when empty."""
    titles = {**(stored or {}), **given}
    return {k: titles[k] for k in sorted(titles) if titles[k] is not None} or None


def _url(text: str) -> bool:
    return re.fullmatch(_HTTP_URL, text) is not None


def put_feature(
    session: Session, action: str, values: dict, *, now: datetime, actor: str = "system"
) -> tuple[Feature, bool]:
    """Create or replace a feature; saving it maps it. A changed alias re-derives rollups.
    Audited: points and caps feed the bonus run.

    `updated_at` marks a change to what points rest on (`rewards.points.pairs_since` re-derives
    every day of a feature changed since its last run) and `scores_changed_at` one to what scores
    rest on; `titles` (by locale, `check_titles`) sets the locales it names and keeps the others.
    An edit of only the titles or the quick-reference card (`TEXT_FIELDS`,
    `check_text_fields`) moves neither, so it re-derives nothing and leaves snapshots fresh.
    """
    action = normalise_action(required_key(action, "action"))
    check_values(values, {"expected_ms": EXPECTED_MS, "points": POINTS, "daily_cap": DAILY_CAP})
    values = {**values, **check_text_fields(values)}
    given_titles = check_titles(values["titles"]) if "titles" in values else None
    if values.get("alias_of") is not None:
        values["alias_of"] = normalise_action(values["alias_of"])
        if values["alias_of"] == action:
            raise Invalid({"alias_of": ["A feature cannot be an alias of itself."]})
    feature = session.scalar(select(Feature).where(Feature.action == action))
    created = feature is None
    if created:
        feature = Feature(
            action=action,
            module=module_of(action),
            is_core=False,
            points=DEFAULT_POINTS,
            created_at=now,
        )
        session.add(feature)
    old_alias = None if created else feature.alias_of
    scored = (feature.is_core, feature.expected_ms, feature.alias_of)
    before = audit.snapshot(None if created else feature, AUDITED)
    if given_titles is not None:  # each locale named is set or cleared; the others stay
        values["titles"] = merged_titles(feature.titles, given_titles)
    if apply_values(feature, {**values, "mapped": True}, (*FEATURE_FIELDS, "mapped")) or created:
        feature.updated_at = now
    apply_values(feature, values, TEXT_FIELDS)  # read by people only: `updated_at` stays
    if (feature.is_core, feature.expected_ms, feature.alias_of) != scored or (
        created and (feature.is_core or feature.alias_of)
    ):
        feature.scores_changed_at = now
    session.flush()
    after = audit.snapshot(feature, AUDITED)
    audit.record_put(
        session, "feature", feature.action, before, after, created=created, actor=actor, now=now
    )
    if not created and old_alias != feature.alias_of:
        _rebuild_for_alias_change(session, feature, old_alias)
    elif created:
        _rebuild_for_new_alias_target(session, feature)
    return feature, created


def _rebuild_for_new_alias_target(session: Session, feature: Feature) -> None:
    """Features aliased to an action not known until now counted as themselves: move them."""
    from adoption.usage.rollups import rebuild_rollups

    aliased = set(session.scalars(select(Feature.id).where(Feature.alias_of == feature.action)))
    if aliased:
        rebuild_rollups(session, feature_ids={feature.id, *aliased})


def _rebuild_for_alias_change(session: Session, feature: Feature, old_alias: str | None) -> None:
    from adoption.ingest.registry import canonical_map
    from adoption.usage.rollups import rebuild_rollups

    targets = {feature.id}
    for alias in (old_alias, feature.alias_of):
        if alias:
            target = session.scalar(select(Feature.id).where(Feature.action == alias))
            if target is not None:
                targets.add(target)
    canonical = canonical_map(session)
    targets |= {canonical[t] for t in targets}
    rebuild_rollups(session, feature_ids=targets)
