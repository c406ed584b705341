"""The readiness gate (DESIGN.md "Pilot comparison"): go / no-go for wave N, with the evidence.

Each enabled rule is evaluated on each site in its scope on each of the site's last N complete
weeks since go-live (week k = local days [go_live_on + 7k, go_live_on + 7k + 6], complete once its
last day has ended at the site, so the week in progress is never used; weeks before go-live never
count).
A rule passes only when its scope has sites and every site passes in every one of those weeks; the
decision is go when every rule passes, and no_go when no rule is enabled.

Scopes: `pilots` = the sites with is_pilot. `previous_wave` of wave N = the sites of wave N − 1, and
wave 1's previous wave is the pilots (sites of wave 0 or with is_pilot). Wave 0 holds the pilots and
has no gate of its own.

A site fails a rule, with a note in its evidence, when it has no go_live_on, fewer than N complete
weeks since go-live (the weeks it has are still shown), or a week whose metric is undefined (e.g. no
population that week): missing evidence is not evidence of readiness.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_week, week_window
from adoption.errors import Invalid
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from adoption.usage.metrics import Window, site_metrics
from pilots.readiness_rules import list_rules
from pilots.waves import MAX_WAVE

# A metric equal to its threshold passes although a ratio of ratios may be off by an ulp.
EPSILON = 1e-12
NO_SITES = {
    "pilots": "No pilot sites (is_pilot) to judge by.",
    "previous_wave": "The previous wave has no sites to judge by.",
}


def scope_sites(session: Session, scope: str, wave: int) -> list[Site]:
    """The sites a rule of this scope judges wave `wave` by, in code order."""
    if scope == "pilots":
        where = Site.is_pilot.is_(True)
    elif wave - 1 == 0:
        where = or_(Site.wave == 0, Site.is_pilot.is_(True))
    else:
        where = Site.wave == wave - 1
    return list(session.scalars(select(Site).where(where).order_by(Site.code_key)))


def complete_weeks(site: Site, weeks: int, now: datetime) -> list[int]:
    """The site's last `weeks` complete weeks since go-live (fewer when it has not had them)."""
    if site.go_live_on is None:
        return []
    last = last_complete_week(site.go_live_on, site.timezone, now)
    return list(range(max(0, last - weeks + 1), last + 1))


def readiness(session: Session, wave: int, *, now: datetime, rules: ScoringRules) -> dict:
    """`{"wave", "decision", "reason", "config_version", "rules": [...]}`; metrics read once.

    `rules` is the scoring config behind proficient_share; its version is named in the answer.
    """
    if not 1 <= wave <= MAX_WAVE:
        raise Invalid({"wave": ["Must be at least 1: wave 0 holds the pilots, with no gate."]})
    gate = list_rules(session, enabled_only=True)
    scopes = {scope: scope_sites(session, scope, wave) for scope in {r["scope"] for r in gate}}
    windows: dict[tuple[int, int], Window] = {}
    for rule in gate:
        for site in scopes[rule["scope"]]:
            for k in complete_weeks(site, rule["weeks"], now):
                windows.setdefault((site.id, k), Window(site.id, *week_window(site.go_live_on, k)))
    keys = list(windows)
    values = dict(zip(keys, site_metrics(session, list(windows.values()), rules), strict=True))
    results = [_evaluate(rule, scopes[rule["scope"]], values, now) for rule in gate]
    failed = [r["rule"]["id"] for r in results if not r["passed"]]
    return {
        "wave": wave,
        "decision": "go" if results and not failed else "no_go",
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
        return [_note(site.code, "No go_live_on yet, so no complete week since go-live.")]
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
                "passed": value is not None and _holds(value, rule),
                "note": None if value is not None else f"{rule['metric']} is undefined this week.",
            }
        )
    if len(weeks) < rule["weeks"]:
        evidence.append(
            _note(
                site.code,
                f"Only {len(weeks)} of {rule['weeks']} complete weeks since go-live on "
                f"{site.go_live_on.isoformat()}.",
            )
        )
    return evidence


def _holds(value: float, rule: dict) -> bool:
    if rule["comparison"] == ">=":
        return value >= rule["threshold"] - EPSILON
    return value <= rule["threshold"] + EPSILON


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
        return (
            "No readiness rule is enabled: add one (uptake pilots rules add, or PUT "
            "/api/v1/pilots/readiness/rules) before a wave can go."
        )
    if not failed:
        return f"Every rule passed ({len(results)} of {len(results)})."
    ids = ", ".join(map(str, failed))
    return f"{len(failed)} of {len(results)} rules failed (rule id {ids})."
