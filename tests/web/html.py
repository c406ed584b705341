"""Reading the pages in tests: the CSRF token, a table's cells, the visible text."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VOID = {"br", "input", "img", "meta", "link", "hr", "col", "source", "wbr"}


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return unescape(match[1])


def visible_text(html: str) -> str:
    """The page's text with tags dropped and whitespace collapsed (for `in` checks)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


class _Table(HTMLParser):
    """Cell texts of the body rows of the first <table> with the class; elements with class
    `badges-inline` (a phone-only repeat of other cells) are skipped."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.state = "before"  # before → in → done
        self.depth = 0
        self.skip = 0
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.state == "before" and tag == "table" and self.css_class in classes:
            self.state = "in"
            return
        if self.state != "in" or tag in VOID:
            return
        if self.skip or "badges-inline" in classes:
            self.skip += 1
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag in {"td", "th"} and self.in_body:
            self.cell = []

    def handle_endtag(self, tag):
        if self.state != "in" or tag in VOID:
            return
        if self.skip:
            self.skip -= 1
            return
        if tag == "table":
            self.state = "done"
        elif tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.state == "in" and self.cell is not None and not self.skip:
            self.cell.append(data)


def table_rows(html: str, css_class: str) -> list[list[str]]:
    parser = _Table(css_class)
    parser.feed(html)
    assert parser.state != "before", f"no <table class={css_class!r}>"
    return parser.rows
