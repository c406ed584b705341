"""The readiness gate (DESIGN.md "Pilot comparison"): go / no-go for wave N, with the evidence.

Each enabled rule is evaluated on each site in its scope on each of the site's last N complete
weeks since go-live (week k = local days [go_live_on + 7k, go_live_on + 7k + 6], complete once its
last day has ended at the site, so the week in progress is never used; weeks before go-live never
count).
A rule passes only when its scope has sites and every site passes in every one of those weeks; the
decision is go when every rule passes, and no_go when no rule is enabled (`status` no_rule then:
"no rule yet" is not a NO GO on evidence). Metrics, scopes and values: `pilots.measures`.

Scopes: `pilots` = the sites with is_pilot. `previous_wave` of wave N = the sites of wave N − 1, and
wave 1's previous wave is the pilots (sites of wave 0 or with is_pilot). Wave 0 holds the pilots and
has no gate of its own.

A site fails a rule, with a note in its evidence, when it has no go_live_on, fewer than N complete
weeks since go-live (the weeks it has are still shown), or a week whose metric is undefined (e.g. no
population that week): missing evidence is not evidence of readiness.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from adoption.calendar import week_window
from adoption.errors import Invalid
from adoption.locales import N_, Text
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from pilots.measures import CATALOG, holds, last_week, scope_sites, week_values
from pilots.readiness_rules import list_rules
from pilots.waves import MAX_WAVE

NO_SITES = {
    "pilots": N_("No pilot sites (is_pilot) to judge by."),
    "previous_wave": N_("The previous wave has no sites to judge by."),
}


def complete_weeks(site: Site, weeks: int, now: datetime) -> list[int]:
    """The site's last `weeks` complete weeks since go-live (fewer when it has not had them)."""
    last = last_week(site, now)
    return [] if last is None else list(range(max(0, last - weeks + 1), last + 1))


def readiness(
    session: Session,
    wave: int,
    *,
    now: datetime,
    rules: ScoringRules,
    panel: pd.DataFrame | None = None,
) -> dict:
    """`{"wave", "decision", "status", "reason", "config_version", "rules": [...]}`; metrics read
    once. `status` is go, no_go, or no_rule when no rule is enabled (`decision` then no_go).

    `rules` is the scoring config behind proficient_share; its version is named in the answer.
    A page's `panel` (`pilots.measures.week_values`) spares reading the cells it holds.
    """
    if not 1 <= wave <= MAX_WAVE:
        raise Invalid({"wave": ["Must be at least 1: wave 0 holds the pilots, with no gate."]})
    gate = list_rules(session, enabled_only=True)
    scopes = {scope: scope_sites(session, scope, wave) for scope in {r["scope"] for r in gate}}
    wanted: dict[Site, set[int]] = {}
    for rule in gate:
        for site in scopes[rule["scope"]]:
            wanted.setdefault(site, set()).update(complete_weeks(site, rule["weeks"], now))
    values = week_values(session, wanted, {r["metric"] for r in gate}, rules, panel)
    results = [_evaluate(rule, scopes[rule["scope"]], values, now) for rule in gate]
    failed = [r["rule"]["id"] for r in results if not r["passed"]]
    status = "no_rule" if not results else "no_go" if failed else "go"
    return {
        "wave": wave,
        "decision": "go" if status == "go" else "no_go",
        "status": status,
        "reason": _reason(results, failed),
        "config_version": rules.version,
        "rules": results,
    }


def _evaluate(rule: dict, sites: list[Site], values: dict, now: datetime) -> dict:
    if not sites:
        evidence = [_note(None, NO_SITES[rule["scope"]])]
    else:
        evidence = [e for site in sites for e in _site_evidence(rule, site, values, now)]
    return {"rule": rule, "passed": all(e["passed"] for e in evidence), "evidence": evidence}


def _site_evidence(rule: dict, site: Site, values: dict, now: datetime) -> list[dict]:
    if site.go_live_on is None:
        return [_note(site.code, N_("No go_live_on yet, so no complete week since go-live."))]
    weeks = complete_weeks(site, rule["weeks"], now)
    evidence = []
    for k in weeks:
        first, last = week_window(site.go_live_on, k)
        value = values[(site.id, k)][rule["metric"]]
        evidence.append(
            {
                "site_id": site.code,
                "week": k,
                "from": first,
                "to": last,
                "value": value,
                "passed": value is not None and holds(value, rule["comparison"], rule["threshold"]),
                "note": None
                if value is not None
                else N_("%(metric)s is undefined this week.", metric=metric_name(rule["metric"])),
            }
        )
    if len(weeks) < rule["weeks"]:
        evidence.append(
            _note(
                site.code,
                N_(
                    "Only %(n)s of %(weeks)s complete weeks since go-live on %(day)s.",
                    n=len(weeks),
                    weeks=rule["weeks"],
                    day=site.go_live_on.isoformat(),
                ),
            )
        )
    return evidence


def _note(site_code: str | None, note: str) -> dict:
    """Evidence that fails for want of data: no week, no value, and why."""
    return {
        "site_id": site_code,
        "week": None,
        "from": None,
        "to": None,
        "value": None,
        "passed": False,
        "note": note,
    }


def _reason(results: list[dict], failed: list[int]) -> str:
    if not results:
        return N_(
            "No readiness rule is enabled: add one (uptake pilots rules add, or PUT "
            "/api/v1/pilots/readiness/rules) before a wave can go."
        )
    if not failed:
        return N_("Every rule passed (%(n)s of %(total)s).", n=len(results), total=len(results))
    return N_(
        "%(n)s of %(total)s rules failed (rule id %(ids)s).",
        n=len(failed),
        total=len(results),
        ids=", ".join(map(str, failed)),
    )


def metric_name(metric: str) -> Text:
    """The metric's label, said in the reader's language (its code for one no longer known)."""
    known = CATALOG.get(metric)
    return Text(known.label if known else metric, {})
