"""A chart SVG from `pilots.charts`, checked and made fit to sit inline in a page.

The page's CSP blocks scripts anyway; the check makes sure nothing active or external is in the
markup at all (no script, no event handler attribute, no foreign content, no link other than
to an id inside the SVG), so `Markup` never carries more than drawing. Styles stay: the CSP
allows inline styles and the chart needs them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from markupsafe import Markup, escape

FORBIDDEN_ELEMENTS = frozenset({"script", "foreignObject", "iframe", "object", "embed", "image"})
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)  # the tool's RDF: not for readers


class UnsafeSvg(ValueError):
    """The SVG holds something a page should not run or fetch."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def check_svg(data: bytes) -> None:
    """Raises UnsafeSvg for a script, a foreign element, an on* attribute or an external link."""
    root = ElementTree.fromstring(data)
    if _local(root.tag) != "svg":
        raise UnsafeSvg("not an SVG document")
    for element in root.iter():
        if _local(element.tag) in FORBIDDEN_ELEMENTS:
            raise UnsafeSvg(f"<{_local(element.tag)}> is not allowed")
        for name, value in element.attrib.items():
            attribute = _local(name).lower()
            if attribute.startswith("on"):
                raise UnsafeSvg(f"the {attribute} attribute is not allowed")
            if attribute == "href" and not value.startswith("#"):
                raise UnsafeSvg("links must stay inside the SVG")


def inline_svg(data: bytes, *, label: str) -> Markup:
    """The <svg> element alone (no XML prolog, doctype or metadata), labelled for screen
    readers and scaled by CSS (`.chart svg`) through its viewBox."""
    check_svg(data)
    text = data.decode("utf-8")
    svg = METADATA.sub("", text[text.index("<svg") :], count=1)
    opening = f'<svg role="img" aria-label="{escape(label)}" '
    return Markup(opening + svg[len("<svg ") :])  # checked just above
