"""/pilots beyond the comparison: waves with their status and dates (and their edit page), the
gate's GO, the staggered DiD of a change programme, hot spots by error rate, units on charts,
the optimisation report's form.

Each test seeds the small simulated chain of tests.pilots.chain (NOW: Fri 2026-11-20 12:00 UTC;
pilots S001, S002, S004 in wave 0 live 2026-10-23, S003 in wave 1 live 10-30, S099 in no wave
and not live).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from xml.etree import ElementTree

import pytest

from adoption.masterdata import records
from adoption.scoring.rules import load_rules
from adoption.usage.insights import chain_hotspots
from api.web.rollout import metric_value
from pilots import readiness, readiness_rules, report, targets, waves
from pilots.did import panel as did_panel
from tests.pilots.chain import NOW, seed_chain
from tests.web.html import csrf_token, table_rows, visible_text


@pytest.fixture
def chain(session, tmp_path):
    seed_chain(session, tmp_path)
    return session


@pytest.fixture
def lead(chain, sign_in, page_clock):
    return sign_in("rollout_lead")


def post(client, path, data):
    token = csrf_token(client.get("/pilots/waves/new").text)
    return client.post(path, data={**data, "csrf_token": token})


def figure(html: str, figure_id: str) -> ElementTree.Element:
    match = re.search(rf'<figure class="chart" id="{figure_id}">(.*?)</figure>', html, re.S)
    assert match, f"no figure #{figure_id}"
    return ElementTree.fromstring(match[1])


def texts(svg: ElementTree.Element) -> list[str]:
    return [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]


def start_programme(session, codes, day):
    for code in codes:
        records.put_site(
            session, code, {"program_started_on": day}, now=NOW, actor="t", default_tz="UTC"
        )
    session.commit()


# ---- waves ------------------------------------------------------------------------------------


def test_waves_show_their_status_and_go_live_dates(lead, chain):
    waves.put_wave(chain, 2, {"sites": ["S099"], "planned_go_live_on": date(2026, 12, 7)},
                   now=NOW, actor="t")  # fmt: skip
    chain.commit()
    rows = table_rows(lead.get("/pilots").text, "waves")
    assert [row[:6] for row in rows] == [
        ["0 pilots", "Live", "—", "2026-10-23", "2026-10-23", "3 of 3"],
        ["1", "Live", "—", "2026-10-30", "2026-10-30", "1 of 1"],
        ["2", "Planned", "2026-12-07", "—", "—", "0 of 1"],
    ]


def test_a_wave_is_changed_on_its_page(lead, chain):
    form = {"name": "North", "planned_go_live_on": "2026-12-14", "canary_share": "50"}
    response = post(lead, "/pilots/waves/1", {**form, "sites": ["S003", "S099"]})
    assert response.status_code == 302 and response.headers["Location"] == "/pilots/waves/1"
    chain.rollback()
    wave = waves.get_wave(chain, 1, now=NOW)
    assert (wave["name"], wave["planned_go_live_on"], wave["canary_share"], wave["sites"]) == (
        "North",
        date(2026, 12, 14),
        0.5,
        ["S003", "S099"],
    )
    # ceil(0.5 × 2) = 1 canary; S003 is live, S099 is not.
    expected = "canary_live" if wave["canary_sites"] == ["S003"] else "partly_live"
    assert wave["status"] == expected
    text = visible_text(lead.get("/pilots/waves/1").text)
    assert "Wave 1 · North" in text and "Sites live 1 of 2" in text


def test_a_new_wave_gets_the_next_number_and_is_added(lead, chain):
    html = lead.get("/pilots/waves/new").text
    assert 'name="number" type="number" min="0" step="1" value="2"' in html
    response = post(lead, "/pilots/waves", {"number": "2", "name": "", "sites": ["S099"]})
    assert response.headers["Location"] == "/pilots/waves/2"
    chain.rollback()
    assert waves.get_wave(chain, 2, now=NOW)["sites"] == ["S099"]


def test_adding_a_wave_that_exists_is_refused_next_to_the_number(lead, chain):
    response = post(lead, "/pilots/waves", {"number": "1", "sites": ["S099"]})
    assert response.status_code == 422
    message = "Wave 1 exists already: change it on its page."
    assert f'<span class="field-error" id="wave-number-error">{message}</span>' in response.text
    chain.rollback()
    assert waves.get_wave(chain, 1, now=NOW)["sites"] == ["S003"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"canary_share": "0"}, "canary", "Enter a percentage above 0 and at most 100"),
        ({"canary_share": "half"}, "canary", "Enter a percentage above 0 and at most 100"),
        ({"planned_go_live_on": "2026-13-01"}, "planned", "Not a valid date (YYYY-MM-DD)."),
        ({"sites": ["S003", "S777"]}, "sites", "Unknown site &#39;S777&#39;."),
    ],
)
def test_a_wrong_wave_field_is_422_with_its_message_tied_to_it(lead, chain, fields, field, message):
    response = post(lead, "/pilots/waves/1", {"sites": ["S003"], **fields})
    assert response.status_code == 422
    assert f'id="wave-{field}-error">{message}' in response.text
    assert re.search(rf'aria-describedby="[^"]*wave-{field}-error"', response.text)
    chain.rollback()
    assert waves.get_wave(chain, 1, now=NOW)["canary_share"] is None


def test_an_unknown_wave_is_the_404_page(lead):
    assert lead.get("/pilots/waves/7").status_code == 404
    assert lead.get(f"/pilots/waves/{2**31}").status_code == 404


def test_hr_may_not_change_a_wave(chain, sign_in, page_clock):
    client = sign_in("hr")
    token = csrf_token(client.get("/logout").text)
    response = client.post("/pilots/waves/1", data={"sites": [], "csrf_token": token})
    assert response.status_code == 403
    assert waves.get_wave(chain, 1, now=NOW)["sites"] == ["S003"]


# ---- the gate's GO ----------------------------------------------------------------------------


def test_go_when_every_rule_passes(lead, chain):
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.0, "weeks": 1}
    readiness_rules.add_rule(chain, {**rule, "scope": "pilots"}, now=NOW, actor="t")
    chain.commit()
    gate = readiness.readiness(chain, 1, now=NOW, rules=load_rules(chain))
    assert gate["decision"] == "go"  # every pilot had people in its last complete week
    text = visible_text(lead.get("/pilots").text)
    assert "Wave 1 GO Every rule passed (1 of 1)." in text
    assert "passed Adoption rate at least 0.0% in the last complete week" in text


# ---- the staggered DiD ------------------------------------------------------------------------


def test_without_a_programme_there_is_no_did_section(lead):
    assert 'id="programme"' not in lead.get("/pilots").text


def test_the_did_shows_the_event_study_and_the_overall_effect_in_words(lead, chain):
    start_programme(chain, ["S001", "S002"], date(2026, 11, 9))
    html = lead.get("/pilots").text
    did = report.programme_did(chain, metric="adoption_rate", now=NOW, rules=load_rules(chain))
    svg = figure(html, "did-chart")
    assert svg.get("role") == "img"
    label = "Programme effect on Adoption rate by week since it started, with 95% intervals"
    assert svg.get("aria-label") == label
    assert "Difference in adoption rate (pp)" in texts(svg)
    section = visible_text(html[html.index('id="programme"') : html.index('class="grid two"')])
    overall = did["overall"]
    interval = (
        f"(95% CI {metric_value(overall['ci_low'], 'fraction', True)} to "
        f"{metric_value(overall['ci_high'], 'fraction', True)})"
    )
    if overall["att"] is None:
        assert "Not enough data yet to estimate the programme's effect" in section
    elif overall["ci_low"] is None:
        estimate = metric_value(overall["att"], "fraction", True)
        assert f"on adoption rate is estimated at {estimate}, but too few sites vary" in section
    elif overall["ci_low"] <= 0 <= overall["ci_high"]:
        assert "No detectable effect of the programme on adoption rate: " in section
        assert interval in section
    else:
        side = "higher" if overall["att"] > 0 else "lower"
        assert f"{side} than at stores that never started it {interval}" in section
    rows = table_rows(html, "did")
    assert [row[0] for row in rows] == [str(e["e"]).replace("-", "−") for e in did["event_time"]]


def test_the_did_links_to_the_same_answer_in_the_api(lead, chain, monkeypatch):
    monkeypatch.setattr("api.http.pilots.utcnow", lambda: NOW)
    start_programme(chain, ["S001", "S002"], date(2026, 11, 9))
    href = re.search(r'<a href="([^"]+)">The same DiD as JSON', lead.get("/pilots").text)[1]
    assert href == "/api/v1/pilots/did?metric=adoption_rate&amp;from=2026-10-26"
    body = lead.get(href.replace("&amp;", "&")).json
    did = report.programme_did(chain, metric="adoption_rate", now=NOW, rules=load_rules(chain))
    assert body["overall"] == pytest.approx(did["overall"])


def test_a_metric_the_did_does_not_take_points_to_those_it_does(lead, chain):
    start_programme(chain, ["S001"], date(2026, 11, 9))
    html = lead.get("/pilots?metric=mean_proficiency").text
    assert 'id="did-chart"' not in html
    text = visible_text(html)
    assert "The programme's effect is estimated for adoption rate , proficient share" in text


def test_the_did_is_computed_once_while_the_data_stays_the_same(lead, chain, monkeypatch):
    start_programme(chain, ["S001", "S002"], date(2026, 11, 9))
    calls = []
    real = did_panel.did_from_db
    monkeypatch.setattr(did_panel, "did_from_db", lambda *a, **k: calls.append(1) or real(*a, **k))
    lead.get("/pilots")
    lead.get("/pilots?week=1")  # another page, the same DiD
    assert len(calls) == 1


# ---- targets ------------------------------------------------------------------------------------


def add_target(session, **values):
    target = {
        "name": "Half of the pilots' people active by week 2",
        "metric": "adoption_rate",
        "population": "pilots",
        "comparison": ">=",
        "threshold": 0.5,
        "deadline_week": 2,
    }
    added = targets.add_target(session, target | values, now=NOW, actor="t")  # fmt: skip
    session.commit()
    return added


def test_targets_show_status_value_goal_and_deadline(lead, chain):
    added = add_target(chain)
    progress = targets.target_progress(chain, added["id"], now=NOW, rules=load_rules(chain))
    status = {"met": "Met", "missed": "Missed"}[progress["progress"]["status"]]  # week 2: final
    rows = table_rows(lead.get("/pilots").text, "targets")
    value = metric_value(progress["progress"]["value"], "fraction")
    assert rows == [
        [f"{added['name']} Adoption rate", status, value, "at least 50.0%",
         "week 2 since go-live", "Pilot sites"]
    ]  # fmt: skip


def test_a_target_without_a_deadline_reached_is_projected(lead, chain):
    add_target(chain, deadline_week=6)  # the pilots have completed weeks 0–3
    (row,) = table_rows(lead.get("/pilots").text, "targets")
    assert row[1] in {"On track", "At risk"} and row[2].endswith("% projected")


def test_a_targets_page_shows_each_sites_progress(lead, chain):
    added = add_target(chain)
    progress = targets.target_progress(chain, added["id"], now=NOW, rules=load_rules(chain))
    html = lead.get(f"/pilots/targets/{added['id']}").text
    rows = table_rows(html, "target-sites")
    assert [row[0].split()[0] for row in rows] == ["S001", "S002", "S004"]
    assert [row[4] for row in rows] == [
        metric_value(r["value"], "fraction") for r in progress["progress"]["sites"]
    ]
    assert f'href="/pilots/targets/{added["id"]}"' in lead.get("/pilots").text


def test_a_small_sites_target_values_are_withheld_from_a_rollout_lead(lead, chain, app):
    added = add_target(chain)
    settings = app.extensions["uptake"].settings
    app.extensions["uptake"].settings = dataclasses.replace(settings, min_group=1000)
    rows = table_rows(lead.get(f"/pilots/targets/{added['id']}").text, "target-sites")
    assert {row[4] for row in rows} == {"fewer than 1000 people"}  # as the API withholds them


def test_without_targets_the_page_says_how_to_add_one(lead):
    rows = table_rows(lead.get("/pilots").text, "targets")
    assert rows == [["No target yet: agree one with the client and set it with uptake targets "
                     "add or the API."]]  # fmt: skip


def test_an_unknown_target_is_the_404_page(lead):
    assert lead.get("/pilots/targets/99").status_code == 404


# ---- hot spots, units, the report ---------------------------------------------------------------


def test_hot_spots_are_by_error_rate_with_attempts_and_stores(lead, chain):
    expected = chain_hotspots(chain, NOW).items
    assert expected, "the simulated chain has error hot spots"
    rows = table_rows(lead.get("/pilots").text, "hotspots")
    assert [row[0].split()[0] for row in rows] == [h["action"] for h in expected]
    rates = [h["error_rate"] for h in expected]
    assert rates == sorted(rates, reverse=True)
    assert [row[1:] for row in rows] == [
        [metric_value(h["error_rate"], "fraction"), f"{h['attempts']:,}", f"{h['errors']:,}",
         str(h["error_sites"])]
        for h in expected
    ]  # fmt: skip


def test_charts_name_the_metric_and_its_unit_not_the_code(lead):
    html = lead.get("/pilots").text
    curve, effect = texts(figure(html, "curve-chart")), texts(figure(html, "effect-chart"))
    assert "Adoption rate (%)" in curve and "Adoption rate by week since go-live" in curve
    assert "Difference in adoption rate (pp)" in effect
    assert not any("adoption_rate" in t or "fraction" in t for t in curve + effect)


def test_evidence_values_are_in_the_metrics_unit(lead, chain):
    rule = {"metric": "adoption_rate", "comparison": ">=", "threshold": 0.5, "weeks": 1}
    readiness_rules.add_rule(chain, {**rule, "scope": "pilots"}, now=NOW, actor="t")
    chain.commit()
    gate = readiness.readiness(chain, 1, now=NOW, rules=load_rules(chain))
    values = [e["value"] for e in gate["rules"][0]["evidence"]]
    rows = table_rows(lead.get("/pilots").text, "evidence")
    assert [row[3] for row in rows] == [metric_value(v, "fraction") for v in values]


def test_the_report_form_downloads_the_optimisation_report_for_a_period(lead):
    html = lead.get("/pilots").text
    form = html[html.index('id="report"') :]
    assert 'action="/api/v1/reports/optimisation"' in form
    # The default period: the 28 days that have ended at every site (as the hot spots).
    assert 'name="from" value="2026-10-23" max="2026-11-19" required' in form
    assert 'name="to" value="2026-11-19" max="2026-11-19" required' in form
    assert [f'value="{f}"' in form for f in ("html", "pdf", "xlsx")] == [True, True, True]


def test_the_report_form_works_with_the_pages_session(lead, monkeypatch):
    monkeypatch.setattr("api.http.reports.utcnow", lambda: NOW)
    query = "from=2026-10-23&to=2026-11-19&format=html"
    response = lead.get(f"/api/v1/reports/optimisation?{query}")  # what the form's GET asks
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/html"
