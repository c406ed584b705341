"""The verdict in words, from effect rows (pilots.verdict)."""

from __future__ import annotations

from pilots.verdict import verdict_sentences


def row(week, estimate, low, high, n_pilot=3, n_control=37):
    return {
        "week": week,
        "estimate": estimate,
        "perm_ci_low": low,
        "perm_ci_high": high,
        "n_pilot": n_pilot,
        "n_control": n_control,
    }


def test_ahead_then_no_detectable_difference_names_the_latest_week():
    effects = [row(1, 0.14, 0.03, 0.26), row(2, 0.02, -0.08, 0.11), row(8, -0.038, -0.147, 0.067)]
    effects[2]["n_control"] = 13
    found = verdict_sentences(effects, metric="adoption_rate", unit="fraction", control_sites=37)
    assert found[0] == (
        "Pilot stores are ahead by 14 pp in week 1 (95 % CI 3 to 26, 3 vs 37 stores); from "
        "week 2 on there is no detectable difference (week 8: −3.8 pp, 95 % CI −15 to +7, "
        "3 vs 13 stores)."
    )
    assert any("3 pilot stores" in s for s in found[1:])
    assert "Only 13 of 37 other stores have reached week 8 yet." in found


def test_no_difference_anywhere_says_not_yet():
    found = verdict_sentences(
        [row(0, 0.01, -0.05, 0.07, 10, 30)], metric="adoption_rate", unit="fraction"
    )
    assert found == [
        "There is no detectable difference yet between pilot and other stores (week 0: "
        "+1.0 pp, 95 % CI −5.0 to +7.0, 10 vs 30 stores)."
    ]


def test_lower_is_better_metrics_call_a_lower_value_ahead():
    effects = [row(3, -0.05, -0.09, -0.01), row(4, -0.06, -0.1, -0.02)]
    found = verdict_sentences(effects, metric="error_rate", unit="fraction")[0]
    assert found.startswith("Pilot stores are ahead in weeks 3–4, by 5.0 pp in week 3 and 6.0 pp")
    higher = verdict_sentences([row(3, 4.0, 1.0, 7.0)], metric="time_to_first_use", unit="days")
    assert higher[0].startswith("Pilot stores are behind by 4.0 days in week 3")


def test_an_interval_without_bounds_rules_nothing_out():
    found = verdict_sentences(
        [row(0, 0.3, None, None, 2, 2)], metric="mean_proficiency", unit="score 0–100"
    )
    assert "2 vs 2 stores: too few to rule out any difference at 95 %" in found[0]
    assert found[0].startswith("There is no detectable difference yet")


def test_a_gap_in_the_weeks_starts_a_new_clause_and_no_rows_no_verdict():
    effects = [row(0, 0.2, 0.1, 0.3), row(2, 0.2, 0.1, 0.3)]
    found = verdict_sentences(effects, metric="adoption_rate", unit="fraction")[0]
    assert found.count("ahead by") == 2
    assert verdict_sentences([], metric="adoption_rate", unit="fraction") == [
        "No week since go-live has stores on both sides yet, so there is no verdict."
    ]


def test_phrases_go_through_the_callers_gettext():
    seen = []

    def gettext(message):
        seen.append(message)
        return "«" + message + "»"

    found = verdict_sentences(
        [row(1, 0.14, 0.03, 0.26)], metric="adoption_rate", unit="fraction", gettext=gettext
    )
    assert found[0].startswith("««pilot stores are ahead by «14 pp» in week 1")  # sentence, clause
    assert found[0].endswith(")».»")
    assert {"%(value)s pp", "%(clauses)s.", "; "} <= set(seen)


def test_a_clause_after_a_semicolon_is_not_capitalised():
    effects = [row(0, 0.01, -0.05, 0.07), row(1, -0.2, -0.3, -0.1), row(2, -0.2, -0.3, -0.1)]
    found = verdict_sentences(effects, metric="adoption_rate", unit="fraction")[0]
    assert found.startswith("In week 0 there is no detectable difference; pilot stores are behind")
