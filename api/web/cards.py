"""Quick-reference cards as printable pages: /cards/<action> (one card) and /cards?feature=…
(several, or every card without `feature`), one per A4/Letter page (`adoption.masterdata.cards`).

A card is shown in the reader's language (`?locale=` chooses another), falling back to another
language when the feature has no card in it. Its image is inlined (`data:`), so a printed page
needs nothing more. Pages that name a feature link its card when it has one: the template global
`carded_actions()` (one query per request) tells which do.
"""

from __future__ import annotations

import base64

from flask import g, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from adoption.errors import NotFound
from adoption.locales import LOCALES, checked_locale
from adoption.masterdata import cards
from adoption.masterdata.feature_records import get_feature
from api import database, i18n
from api.web import bp
from api.web.render import ANY_ROLE, page, render_page

MAX_FEATURES = 100  # cards printed at once: a stack a trainer hands out, not the catalog twice


@bp.get("/cards/<path:action>")
@page(*ANY_ROLE)
def card(action):
    """One feature's card (404 page when it has none in any language)."""
    session = database.session()
    feature = get_feature(session, action)
    locale = _locale()
    found = cards.cards_for(session, [feature.id], locale)
    if not found:
        raise NotFound(
            _(
                "%(feature)s has no quick-reference card yet.",
                feature=cards.feature_title(feature, locale),
            )
        )
    return render_page(
        "cards.html",
        title=found[0]["title"],
        cards=[_shown(c) for c in found],
        locale=locale,
        other_locales=_other_locales(locale),
    )


@bp.get("/cards")
@page(*ANY_ROLE)
def card_stack():
    """The cards of `?feature=` (each repeated parameter one feature, in that order), or every
    card by action without one; features without a card are left out."""
    locale = _locale()
    wanted = request.args.getlist("feature")[:MAX_FEATURES]
    found = cards.card_stack(database.session(), wanted, locale)
    if not found:
        raise NotFound(_("None of these features has a quick-reference card yet."))
    return render_page(
        "cards.html",
        title=ngettext(
            "Quick-reference card (%(num)s)", "Quick-reference cards (%(num)s)", len(found)
        ),
        cards=[_shown(c) for c in found],
        locale=locale,
        other_locales=_other_locales(locale),
    )


def _other_locales(locale: str) -> list[tuple[str, str]]:
    """(locale, this page's URL in it) for every other language, the features kept."""
    args = {"feature": request.args.getlist("feature")} if request.args.getlist("feature") else {}
    return [
        (code, url_for(request.endpoint, **request.view_args, **args, locale=code))
        for code in LOCALES
        if code != locale
    ]


def _locale() -> str:
    """`?locale=` when given (422 page for one Uptake does not speak), else the reader's."""
    asked = request.args.get("locale")
    return checked_locale(asked) if asked else i18n.current_locale()


def _shown(card: dict) -> dict:
    """A card with its image as a data URI, so a printed page stands alone."""
    image, uri = card["image"], None
    if image:
        uri = f"data:{card['image_type']};base64,{base64.b64encode(image).decode()}"
    return {**{k: v for k, v in card.items() if k != "image"}, "image_uri": uri}


@bp.app_template_global()
def carded_actions() -> set[str]:
    """The actions that have a card (`cards.carded_actions`), read once per request."""
    if "carded_actions" not in g:
        g.carded_actions = cards.carded_actions(database.session())
    return g.carded_actions
