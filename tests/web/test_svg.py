"""Charts go inline only as drawing: the SVG check refuses anything active or external."""

from __future__ import annotations

import pytest

from api.web.svg import UnsafeSvg, check_svg, inline_svg
from pilots import charts

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


@pytest.mark.parametrize(
    "inside",
    [
        "<script>alert(1)</script>",
        '<rect onload="alert(1)"/>',
        '<g><rect ONCLICK="alert(1)"/></g>',
        '<use xlink:href="https://example.com/x.svg#a"/>',
        '<a href="javascript:alert(1)"><text>x</text></a>',
        "<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject>",
        '<image href="data:image/png;base64,AAAA"/>',
    ],
)
def test_active_or_external_content_is_refused(inside):
    with pytest.raises(UnsafeSvg):
        check_svg(SVG.format(inside).encode())


def test_links_inside_the_svg_are_allowed():
    check_svg(SVG.format('<defs><path id="m"/></defs><use xlink:href="#m"/>').encode())


def test_a_chart_goes_inline_without_prolog_doctype_or_metadata_and_labelled():
    data = charts.curve_chart([], metric="adoption_rate", unit="fraction", fmt="svg")
    html = str(inline_svg(data, label='Adoption "rate" <chart>'))
    assert html.startswith('<svg role="img" aria-label="Adoption &#34;rate&#34; &lt;chart&gt;" ')
    assert "<?xml" not in html and "<!DOCTYPE" not in html and "<metadata" not in html
    assert html.rstrip().endswith("</svg>")
