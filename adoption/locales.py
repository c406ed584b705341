"""The languages Uptake speaks: one list for pages, messages, cards and reports.

A locale is a short code: "en" (English, the default) and "zh" (Simplified Chinese, what a
Chinese chain's staff read). Pages pick one per request (api/i18n.py); stored choices (an
account's, a subscription's, a quick-reference card's) are checked here.
"""

from __future__ import annotations

from adoption.errors import Invalid

DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh")
NAMES = {"en": "English", "zh": "简体中文"}  # each in its own language, for a language switch


def checked_locale(value: object, field: str = "locale") -> str:
    """`value` if it is a locale Uptake speaks, else Invalid naming `field`."""
    if value not in LOCALES:
        raise Invalid({field: [f"Must be one of: {', '.join(LOCALES)}."]})
    return value
