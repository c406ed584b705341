"""/pilots before any site has gone live: the page still answers, with an empty chart and says
what is missing instead of failing."""

from __future__ import annotations

from tests.web.html import table_rows, visible_text


def test_pilots_page_without_any_go_live_says_what_is_missing(make_site, sign_in, page_clock):
    make_site("S001")
    response = sign_in("rollout_lead").get("/pilots")
    assert response.status_code == 200
    text = visible_text(response.text)
    assert table_rows(response.text, "effects") == [
        ["No week since go-live has sites on both sides yet."]
    ]
    assert "No wave after the pilots is planned yet" in text
    assert "Sites without go_live_on are left out: S001." in text
    assert '<figure class="chart" id="curve-chart"><svg role="img"' in response.text
