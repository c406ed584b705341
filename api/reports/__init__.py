"""Documents rendered from a report's data (HTML, PDF, XLSX), for the JSON API and the CLI
alike: the front doors never import each other, so both import these renderers.

Rendering is pure: the data and the arguments carry everything a document shows. Text is
wrapped for translation (`flask_babel.gettext`, `{{ _('…') }}` in templates) and follows the
locale in force (`api.i18n`: a request's, or the CLI's `force_locale` in an app context);
outside an app it stays English.
"""

from __future__ import annotations

from datetime import date

from flask import has_app_context
from flask_babel import gettext
from jinja2 import Environment, PackageLoader, select_autoescape

from api import i18n

DASH = "–"  # a figure that is undefined or withheld


def html_lang() -> str:
    """<html lang> of a document: the locale in force, English outside an app."""
    return i18n.html_lang() if has_app_context() else "en"


def day(value: str | None) -> str:
    """An ISO day of the data as the locale writes it (2026-11-30, 2026年11月30日)."""
    if value is None:
        return DASH
    return i18n.day(date.fromisoformat(value)) if has_app_context() else value


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as people read it: 0.396 → "39.6 %"."""
    return DASH if value is None else f"{value * 100:.{digits}f} %"


def points(value: float | None) -> str:
    """A difference of fractions in percentage points, signed: +4.2 pp, −1.0 pp."""
    return DASH if value is None else f"{value * 100:+.1f} pp".replace("-", "−")


def number(value: float | None, digits: int = 0) -> str:
    """2,133 or 67.2; a dash for nothing."""
    return DASH if value is None else f"{value:,.{digits}f}"


def signed(value: float | None, digits: int = 0) -> str:
    return DASH if value is None else f"{value:+,.{digits}f}".replace("-", "−")


def environment() -> Environment:
    """The templates of `api/reports/templates`, HTML escaped, with `_` and the number
    filters."""
    env = Environment(
        loader=PackageLoader("api.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = gettext
    env.filters.update(percent=percent, points=points, number=number, signed=signed, day=day)
    return env
