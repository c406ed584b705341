"""The languages Uptake speaks: one list for pages, messages, cards and reports.

A locale is a short code: "en" (English, the default) and "zh" (Simplified Chinese, what a
Chinese chain's staff read). Pages pick one per request (api/i18n.py); stored choices (an
account's, a subscription's, a quick-reference card's) are checked here.
"""

from __future__ import annotations

from collections.abc import Callable

from adoption.errors import Invalid

DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh")
NAMES = {"en": "English", "zh": "简体中文"}  # each in its own language, for a language switch


def checked_locale(value: object, field: str = "locale") -> str:
    """`value` if it is a locale Uptake speaks, else Invalid naming `field`."""
    if value not in LOCALES:
        raise Invalid({field: [f"Must be one of: {', '.join(LOCALES)}."]})
    return value


class Text(str):
    """A sentence the domain writes for people: it *is* its English wording (JSON, CSV, the CLI,
    logs and comparisons see a plain string) and it keeps its msgid and values, so a page, an
    e-mail or the report can say it in its reader's language with `say`.

    Made with `N_`, which is also what `pybabel extract` looks for (babel.cfg), so every msgid
    the domain can show is in the catalog (api/translations)."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, params: dict[str, object]) -> Text:
        text = super().__new__(cls, msgid % params)
        text.msgid, text.params = msgid, params
        return text

    def __reduce__(self):  # pickle and copy rebuild it from its parts, not its English
        return Text, (self.msgid, self.params)


def N_(msgid: str, **params: object) -> Text:
    """The sentence `msgid` (a python-format string: `%(name)s`, `%%` for a percent sign) with
    its values; marked for extraction. A value may itself be a `Text`."""
    return Text(msgid, params)


def say(text: object, gettext: Callable[[str], str]) -> object:
    """`text` in the language of `gettext`: a Text's msgid translated and filled with its
    values (a value that is a Text said the same way; any other value is data, as it is); a
    plain string is looked up as a msgid; anything else is as is."""
    if isinstance(text, Text):
        values = {k: say(v, gettext) if isinstance(v, Text) else v for k, v in text.params.items()}
        return gettext(text.msgid) % values
    if isinstance(text, str) and text:
        return gettext(text)
    return text
