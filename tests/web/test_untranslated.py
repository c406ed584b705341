"""Every word a page shows is in the catalog and has its Simplified Chinese translation.

- A template may not hold user-visible text outside `{{ _('…') }}` / `{% trans %}`: text between
  tags and the attributes people read (title, aria-label, placeholder, alt, data-confirm, the
  value of a submit button) are checked once the Jinja parts are taken out.
- Every message used in the templates and the Python of `api/` (extracted by pybabel with
  babel.cfg) is in `api/translations/zh/LC_MESSAGES/messages.po`, translated, not fuzzy, with
  the same placeholders; the committed `.mo` holds exactly the `.po`'s translations.

`NOT_YET` lists the files a later pass translates; shrink it as they are done (the test then
checks them too). Paths are relative to the repository, matched with fnmatch.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "api/translations/zh/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
NOT_YET: set[str] = set()  # every template and module is translated
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-confirm"}
BUTTON_INPUTS = {"submit", "button", "reset"}
HOLE = "\x00"  # where a Jinja expression was: never text of its own
LETTER = re.compile(r"[^\W\d_]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]")


def not_yet(path: str) -> bool:
    return any(fnmatch(path, pattern) for pattern in NOT_YET)


def templates() -> list[str]:
    found = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "api").glob("**/templates/**/*.html")
    )
    return [p for p in found if not not_yet(p)]


def skeleton(source: str) -> str:
    """The template as HTML with every `{{ … }}` a HOLE and tags, comments and the text of
    `{% trans %}` blocks taken out."""
    out: list[str] = []
    tag: list[str] = []
    in_tag = in_trans = False
    for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if kind == "block_begin":
            in_tag, tag = True, []
        elif kind == "block_end":
            in_tag = False
            name = next((v for v in tag if v.strip()), "")
            in_trans = {"trans": True, "endtrans": False}.get(name, in_trans)
        elif in_tag:
            tag.append(value if kind == "name" else "")
        elif kind == "variable_begin":
            out.append(HOLE)
        elif kind == "data" and not in_trans:
            out.append(value)
    return "".join(out)


class _Visible(HTMLParser):
    """Collects the texts with letters: between tags and in the attributes people read."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            shown = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS
            )
            if shown and value:
                self._check(f"{name}=", value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self._check("", data)

    def _check(self, where: str, text: str):
        plain = " ".join(text.replace(HOLE, " ").split())
        if LETTER.search(plain):
            self.found.append(f"{where}{plain!r}")


def untranslated(source: str) -> list[str]:
    parser = _Visible()
    parser.feed(skeleton(source))
    parser.close()
    return parser.found


def test_the_check_finds_text_outside_gettext():
    source = """{% trans n=1 %}Fine {{ n }}{% endtrans %}<p title="Hover me">{{ _('ok') }}</p>
    {# a comment #}<input type="submit" value="Save"><b>{{ x }} left</b><script>var a;</script>"""
    assert untranslated(source) == ["title='Hover me'", "value='Save'", "'left'"]
    assert untranslated("<p>{{ _('Shown') }} · {{ n }} — {% if a %}{{ b }}{% endif %}</p>") == []


@pytest.mark.parametrize("path", templates())
def test_a_template_shows_no_text_outside_gettext(path):
    assert untranslated((ROOT / path).read_text(encoding="utf-8")) == [], path


def _catalog():
    with PO.open("rb") as file:
        return read_po(file, locale="zh")


def _used(message) -> bool:
    """Whether a catalog message is used by a file this pass has translated."""
    return any(not not_yet(path) for path, _line in message.locations)


def _extracted() -> dict[str | tuple, set[str]]:
    """msgid (a tuple for a plural) → the files using it, as `pybabel extract -F babel.cfg`."""
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    found: dict[str | tuple, set[str]] = {}
    for path, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map
    ):
        found.setdefault(message, set()).add(path)
    return found


def test_every_message_in_use_is_in_the_catalog():
    catalog = _catalog()
    known = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}
    missing = sorted(
        str(message)
        for message, paths in _extracted().items()
        if message not in known and any(not not_yet(p) for p in paths)
    )
    assert missing == [], "run pybabel extract and update (docs/operations.md, Languages)"


def test_every_message_in_use_has_its_chinese_translation():
    problems = []
    for message in _catalog():
        if not message.id or not _used(message):
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[-1])) for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert problems == []


def _translations(catalog) -> dict:
    """msgid → its translation(s) as a tuple, for the messages a compiled catalog keeps."""
    table = {}
    for message in catalog:
        strings = message.string if isinstance(message.string, list | tuple) else (message.string,)
        if message.id and not message.fuzzy and all(strings):
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            table[key] = tuple(strings)
    return table


def test_the_compiled_catalog_matches_the_po():
    with MO.open("rb") as file:
        compiled = _translations(read_mo(file))
    assert compiled == _translations(_catalog()), (
        "run: .venv/bin/pybabel compile -d api/translations"
    )
