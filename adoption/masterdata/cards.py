"""Quick-reference cards: a feature's few steps on one printable page, per locale.

A card is what a trainer hands a clerk who keeps failing a feature: a title, 1 to 10 short
steps, optional notes and an optional image (PNG, JPEG or WebP, told by its first bytes, not by
what the sender claims). A feature has at most one card per locale (`adoption.locales`); a
reader asking for a locale the feature has no card in gets the card of another locale rather
than nothing. Every change is audited (`card.put`, `card.image`, `card.delete`); no score and
no points rest on a card.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from adoption.locales import DEFAULT_LOCALE, LOCALES, checked_locale
from adoption.masterdata.cleaning import normalise_text
from adoption.masterdata.feature_records import get_feature
from adoption.models import Feature, QuickCard

TITLE_MAX = 200
STEPS_MAX = 10
STEP_MAX = 300
NOTES_MAX = 2000
IMAGE_MAX = 1024 * 1024  # 1 MB: a photo of a till screen, not a poster
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
CARD_FIELDS = ("title", "steps", "notes")


def image_type(data: bytes) -> str | None:
    """The media type the bytes are, by their magic number; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def checked_card(values: dict) -> dict:
    """`title`, `steps` and `notes` as stored (trimmed; blank notes are none), or Invalid naming
    each bad field: a title of 1–200 characters, 1–10 steps of 1–300 characters each (a bad
    step is named by its position, from 1), notes of at most 2,000 characters."""
    errors: dict[str, list[str]] = {}
    title = _text(values.get("title"), "title", TITLE_MAX, errors, required=True)
    steps = _steps(values.get("steps"), errors)
    notes = _text(values.get("notes"), "notes", NOTES_MAX, errors, required=False)
    unknown = sorted(set(values) - set(CARD_FIELDS))
    for name in unknown:
        errors[name] = ["Unknown field."]
    if errors:
        raise Invalid(errors)
    return {"title": title, "steps": steps, "notes": notes}


def _text(value, name: str, limit: int, errors: dict, *, required: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = ["Not a valid string."]
        return None
    text = normalise_text(value)
    if text is None:
        if required:
            errors[name] = ["Missing data for required field."]
        return None
    if "\x00" in text:
        errors[name] = ["Must not contain a NUL character."]
    elif len(text) > limit:
        errors[name] = [f"Length must be between 1 and {limit}."]
    return text


def _steps(value, errors: dict) -> list[str]:
    if not isinstance(value, list | tuple):
        errors["steps"] = ["Must be a list of 1 to 10 steps."]
        return []
    if not 1 <= len(value) <= STEPS_MAX:
        errors["steps"] = [f"Must be a list of 1 to {STEPS_MAX} steps; got {len(value)}."]
        return []
    steps, bad = [], []
    for number, step in enumerate(value, start=1):
        text = normalise_text(step) if isinstance(step, str) else None
        if text is None or "\x00" in text or len(text) > STEP_MAX:
            bad.append(f"Step {number} must be text of 1 to {STEP_MAX} characters.")
        steps.append(text)
    if bad:
        errors["steps"] = bad
    return steps


def checked_image(data: bytes, declared: str | None) -> str:
    """The image's media type, or Invalid naming `image`: at most 1 MB, PNG, JPEG or WebP by
    its bytes, and the type it was sent as (when given) must be the type it is."""
    if not data:
        raise Invalid({"image": ["The body is empty: send the image's bytes."]})
    if len(data) > IMAGE_MAX:
        raise Invalid({"image": [f"At most {IMAGE_MAX:,} bytes (1 MB); got {len(data):,}."]})
    kind = image_type(data)
    if kind is None:
        raise Invalid({"image": ["Not a PNG, JPEG or WebP image (by its first bytes)."]})
    if declared is not None and declared != kind:
        raise Invalid({"image": [f"The bytes are {kind}, but were sent as {declared}."]})
    return kind


def get_card(session: Session, action: str, locale: str) -> QuickCard:
    """The feature's card in exactly this locale; NotFound for an unknown feature or none."""
    feature = get_feature(session, action)
    card = session.get(QuickCard, (feature.id, checked_locale(locale)))
    if card is None:
        raise NotFound(
            f"No {locale!r} card for feature {feature.action!r}.",
            {"action": feature.action, "locale": locale},
        )
    return card


def list_cards(session: Session, action: str) -> list[QuickCard]:
    """The feature's cards, one per locale, in `LOCALES` order; NotFound for an unknown
    feature."""
    feature = get_feature(session, action)
    cards = session.scalars(select(QuickCard).where(QuickCard.feature_id == feature.id))
    return sorted(cards, key=lambda c: LOCALES.index(c.locale) if c.locale in LOCALES else 99)


def set_card(
    session: Session, action: str, locale: str, values: dict, *, now: datetime, actor: str
) -> tuple[QuickCard, bool]:
    """Create or replace the feature's card in `locale` (title, steps, notes); an image already
    on it stays. Returns the card and whether it was created. Audited as `card.put`."""
    feature = get_feature(session, action)
    locale = checked_locale(locale)
    values = checked_card(values)
    card = session.get(QuickCard, (feature.id, locale))
    created = card is None
    before = audit.snapshot(card, CARD_FIELDS)
    if created:
        card = QuickCard(feature_id=feature.id, locale=locale, created_at=now)
        session.add(card)
    for name, value in values.items():
        setattr(card, name, value)
    card.updated_at = now
    session.flush()
    audit.record_put(
        session,
        "card",
        _target(feature, locale),
        before,
        audit.snapshot(card, CARD_FIELDS),
        created=created,
        actor=actor,
        now=now,
    )
    return card, created


def set_card_image(
    session: Session,
    action: str,
    locale: str,
    data: bytes,
    declared: str | None,
    *,
    now: datetime,
    actor: str,
) -> QuickCard:
    """Put an image on an existing card (`checked_image`), replacing any; audited as
    `card.image` with its type and size (never its bytes)."""
    card = get_card(session, action, locale)
    kind = checked_image(data, declared)
    card.image, card.image_type, card.updated_at = data, kind, now
    session.flush()
    feature = session.get(Feature, card.feature_id)
    audit.record(
        session,
        actor=actor,
        action="card.image",
        target_type="card",
        target=_target(feature, card.locale),
        now=now,
        details={"image_type": kind, "bytes": len(data)},
    )
    return card


def remove_card(session: Session, action: str, locale: str, *, now: datetime, actor: str) -> None:
    """Delete the feature's card in `locale`; NotFound when there is none. Audited as
    `card.delete` with the title it had."""
    card = get_card(session, action, locale)
    feature = session.get(Feature, card.feature_id)
    session.delete(card)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="card.delete",
        target_type="card",
        target=_target(feature, locale),
        now=now,
        details={"title": card.title},
    )


def _target(feature: Feature, locale: str) -> str:
    return f"{feature.action}/{locale}"


def card_for(session: Session, feature_id: int, locale: str) -> QuickCard | None:
    """The feature's card in `locale`, else in the default locale, else in any other; None
    when the feature has no card at all."""
    cards = {
        c.locale: c
        for c in session.scalars(select(QuickCard).where(QuickCard.feature_id == feature_id))
    }
    return _preferred(cards, locale)


def _preferred(cards: dict[str, QuickCard], locale: str) -> QuickCard | None:
    for wanted in (locale, DEFAULT_LOCALE, *LOCALES):
        if wanted in cards:
            return cards[wanted]
    return next(iter(cards.values()), None)


def cards_for(session: Session, feature_ids: Iterable[int], locale: str) -> list[dict]:
    """The cards to print for these features, in their order (each feature once), each in
    `locale` or the fallback of `card_for`; features without a card are left out. Each is a
    dict: action, feature_title, locale, title, steps, notes, image, image_type."""
    ids = list(dict.fromkeys(feature_ids))
    if not ids:
        return []
    by_feature: dict[int, dict[str, QuickCard]] = {}
    for card in session.scalars(select(QuickCard).where(QuickCard.feature_id.in_(ids))):
        by_feature.setdefault(card.feature_id, {})[card.locale] = card
    features = {f.id: f for f in session.scalars(select(Feature).where(Feature.id.in_(ids)))}
    out = []
    for feature_id in ids:
        card = _preferred(by_feature.get(feature_id, {}), locale)
        if card is not None:
            out.append(printable(features[feature_id], card, locale))
    return out


def printable(feature: Feature, card: QuickCard, locale: str) -> dict:
    """A card as pages and documents show it, the feature named in the reader's locale."""
    return {
        "action": feature.action,
        "feature_title": feature_title(feature, locale),
        "locale": card.locale,
        "title": card.title,
        "steps": list(card.steps),
        "notes": card.notes,
        "image": card.image,
        "image_type": card.image_type,
    }


def card_stack(session: Session, actions: list[str], locale: str) -> list[dict]:
    """`cards_for` the features of `actions` in that order (an unknown one is NotFound), or,
    with none named, every feature with a card, by action."""
    if actions:
        ids = [get_feature(session, action).id for action in actions]
    else:
        carded = select(QuickCard.feature_id).distinct()
        stmt = select(Feature.id).where(Feature.id.in_(carded)).order_by(Feature.action)
        ids = list(session.scalars(stmt))
    return cards_for(session, ids, locale)


def carded_actions(session: Session) -> set[str]:
    """The actions of every feature with a card in some locale (pages link to those)."""
    stmt = select(Feature.action).join(QuickCard, QuickCard.feature_id == Feature.id).distinct()
    return set(session.scalars(stmt))


def feature_title(feature: Feature, locale: str) -> str:
    """What people call the feature in `locale`: its title there, else its default title, else
    its action."""
    return (feature.titles or {}).get(locale) or feature.title or feature.action


def titles_by_action(session: Session, actions: Iterable[str], locale: str) -> dict[str, str]:
    """Each of `actions` (those in the catalog) → its title in `locale` (`feature_title`), in
    one query: what a page shows where the domain hands it a feature's action and title."""
    wanted = set(actions)
    if not wanted:
        return {}
    features = session.scalars(select(Feature).where(Feature.action.in_(wanted)))
    return {f.action: feature_title(f, locale) for f in features}
