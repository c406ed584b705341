"""The optimisation report's figures for a period, one function a section: targets, adoption by
site and by wave, error hot spots by rate, unused modules, who needs help (counts only) and the
pilot verdict. Every value is plain JSON (dates as ISO text), so the report can be stored as it was.

A report is a document that leaves Uptake, whoever asked for it: every aggregate over fewer than
`min_group` people is withheld in it (docs/privacy.md "Small groups"), for every reader.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import employed_sql
from adoption.models import DailyUsage, Employee, Feature, QuickCard, Site
from adoption.privacy import too_small
from adoption.scoring.components import score_frame
from adoption.scoring.rules import ScoringRules
from adoption.usage import by_site
from adoption.usage.coaching import GROUPS, STRUGGLING_MIN_ATTEMPTS, coaching
from adoption.usage.insights import HOTSPOT_MIN_ATTEMPTS, unused_modules
from adoption.usage.visible import scope_population
from pilots import curves, report
from pilots.measures import CATALOG
from pilots.target_progress import METHOD as TARGET_METHOD
from pilots.targets import targets_overview
from pilots.verdict import verdict_sentences

VERDICT_METRIC = "adoption_rate"
ADOPTION_FIGURES = ("population", "active", "adoption_rate", "proficient_share", "mean_proficiency")


def targets(session: Session, *, now: datetime, rules: ScoringRules, min_group: int) -> dict:
    """Every target with its status and overall value as of `now` (`pilots.targets`), and the
    sites that put it at risk, by how far they are from the threshold (names only: a site's
    value is about its people). An overall value over fewer than `min_group` people is
    withheld."""
    items = []
    for target in targets_overview(session, now=now, rules=rules):
        progress = target["progress"]
        people = sum(s["population"] or 0 for s in progress["sites"] if s["value"] is not None)
        metric = CATALOG[target["metric"]]
        value = progress["value"] if people >= min_group else None
        items.append(
            {
                "id": target["id"],
                "name": target["name"],
                "text": target["text"],
                "metric": target["metric"],
                "label": target["label"],
                "unit": target["unit"],
                "comparison": target["comparison"],
                "threshold": target["threshold"],
                "deadline_week": target["deadline_week"],
                "deadline_on": _iso(target["deadline_on"]),
                "status": progress["status"],
                "final": progress["final"],
                "value": value,
                "shown_value": metric.shown(value),
                "shown_threshold": metric.shown(target["threshold"]),
                "sites": len(progress["sites"]),
                "sites_at_risk": _at_risk(target, progress["sites"]),
            }
        )
    return {"method": TARGET_METHOD, "items": items}


def _at_risk(target: dict, sites: list[dict]) -> list[dict]:
    """The sites projected to miss the target, furthest from its threshold first."""
    sign = 1 if target["comparison"] == ">=" else -1
    risky = [s for s in sites if s["status"] == "at_risk"]
    risky.sort(key=lambda s: (sign * (s["projected_value"] - target["threshold"]), s["site_id"]))
    return [{"site_id": s["site_id"], "name": s["name"]} for s in risky]


def adoption(
    session: Session,
    sites: list[Site],
    first: date,
    last: date,
    *,
    now: datetime,
    rules: ScoringRules,
    min_group: int,
) -> dict:
    """Per site (its wave, pilot flag, go-live) and per wave: population, active people,
    adoption rate over the period, proficient share and mean proficiency on its last day."""
    rows = by_site.adoption_by_site(
        session, now=now, rules=rules, first=first, last=last, site_ids={s.id for s in sites}
    )
    by_code = {s.code: s for s in sites}
    means = _mean_proficiency(session, sites, first, last, rules)
    site_rows = []
    for row in rows:
        site = by_code[row["site_id"]]
        site_rows.append(
            {
                "site_id": site.code,
                "name": site.name,
                "region": site.region,
                "wave": site.wave,
                "is_pilot": site.is_pilot,
                "go_live_on": _iso(site.go_live_on),
                "population": row["population"],
                "active": row["active"],
                "adoption_rate": row["adoption_rate"],
                "proficient_share": row["proficient_share"],
                "mean_proficiency": means.get(site.id),
            }
        )
    waves: dict[int | None, list[dict]] = {}
    for row in site_rows:
        waves.setdefault(row["wave"], []).append(row)
    wave_rows = [
        {"wave": wave, "sites": len(members), **_pooled(members)}
        for wave, members in sorted(waves.items(), key=lambda w: (w[0] is None, w[0] or 0))
    ]
    return {
        "sites": [_withheld(r, min_group) for r in site_rows],
        "waves": [_withheld(r, min_group) for r in wave_rows],
        "chain": _withheld({"sites": len(site_rows), **_pooled(site_rows)}, min_group),
    }


def _mean_proficiency(session, sites, first, last, rules) -> dict[int, float]:
    """Per site, the mean score on `last` of its population; Not started counts as 0, as in
    the pilot comparison's mean_proficiency (`pilots.weekly`)."""
    people = session.execute(
        select(Employee.id, Employee.site_id).where(
            Employee.site_id.in_([s.id for s in sites]),
            Employee.rostered.is_(True),
            employed_sql(first, last),
        )
    ).all()
    if not people:
        return {}
    frame = score_frame(session, [p.id for p in people], last, last, rules)
    scores = dict(zip(frame["employee_id"].astype(int), frame["score"].astype(float), strict=True))
    by_site_scores: dict[int, list[float]] = {}
    for person in people:
        score = scores.get(person.id, np.nan)
        by_site_scores.setdefault(person.site_id, []).append(0.0 if np.isnan(score) else score)
    return {site: float(np.mean(values)) for site, values in by_site_scores.items()}


def _pooled(rows: list[dict]) -> dict:
    """Sites' figures pooled over their people: each person counts once, whatever the site."""
    population = sum(r["population"] for r in rows)
    if not population:
        return dict.fromkeys(ADOPTION_FIGURES, None) | {"population": 0, "active": 0}

    def weighted(field: str) -> float:
        return sum((r[field] or 0.0) * r["population"] for r in rows) / population

    return {
        "population": population,
        "active": sum(r["active"] for r in rows),
        "adoption_rate": sum(r["active"] for r in rows) / population,
        "proficient_share": weighted("proficient_share"),
        "mean_proficiency": weighted("mean_proficiency"),
    }


def _withheld(row: dict, min_group: int) -> dict:
    """The row, its figures None when it is about fewer than `min_group` people."""
    if row["population"] >= min_group:
        return {**row, "suppressed": False}
    return {**row, **dict.fromkeys(ADOPTION_FIGURES), "suppressed": True}


def hotspots(session: Session, first: date, last: date) -> list[dict]:
    """Every feature with at least `HOTSPOT_MIN_ATTEMPTS` attempts and an error in the period,
    by error rate (highest first), then attempts, then action; with the stores and people that
    had errors on it, and `failing_people`: those with at least `STRUGGLING_MIN_ATTEMPTS`
    attempts on it whose own error rate is at or above the feature's."""
    du = DailyUsage
    in_period = (du.local_day >= first) & (du.local_day <= last)
    usage = pd.DataFrame(
        session.execute(
            select(du.feature_id, du.employee_id, func.sum(du.successes), func.sum(du.errors))
            .where(in_period)
            .group_by(du.feature_id, du.employee_id)
        ).all(),
        columns=["feature_id", "employee_id", "successes", "errors"],
    ).astype({"successes": int, "errors": int})
    stores = dict(
        session.execute(
            select(du.feature_id, func.count(func.distinct(du.site_id)))
            .where(in_period, du.errors > 0)
            .group_by(du.feature_id)
        ).all()
    )
    features = {f.id: f for f in session.scalars(select(Feature))}
    carded = set(session.scalars(select(QuickCard.feature_id).distinct()))
    items = []
    for feature_id, people in usage.groupby("feature_id"):
        errors = int(people["errors"].sum())
        attempts = errors + int(people["successes"].sum())
        if attempts < HOTSPOT_MIN_ATTEMPTS or not errors:
            continue
        feature = features[int(feature_id)]
        own = people["successes"] + people["errors"]
        rate = errors / attempts
        failing = (own >= STRUGGLING_MIN_ATTEMPTS) & (people["errors"] >= rate * own)
        items.append(
            {
                "feature_id": feature.id,
                "action": feature.action,
                "title": feature.title or feature.action,
                "titles": dict(feature.titles or {}),  # the title by locale, for the documents
                "module": feature.module,
                "attempts": attempts,
                "errors": errors,
                "error_rate": rate,
                "stores": int(stores.get(feature.id, 0)),
                "people": int((people["errors"] > 0).sum()),
                "failing_people": int(failing.sum()),
                "has_card": feature.id in carded or bool(feature.quick_reference_url),
            }
        )
    items.sort(key=lambda i: (-i["error_rate"], -i["attempts"], i["action"]))
    return items


def modules(session: Session, sites: list[Site], first: date, last: date) -> list[dict]:
    """`adoption.usage.insights.unused_modules` over every site in the period."""
    return unused_modules(session, {s.id for s in sites}, first, last)


def help_counts(
    session: Session, sites: list[Site], last: date, *, rules: ScoringRules, min_group: int
) -> dict:
    """How many people of each site's team need help as of `last`, by coaching group
    (`adoption.usage.coaching`), and overall; never who. Withheld (None): every count of a
    team under `min_group`, and a count of 1 to `min_group` − 1 people; and where the
    withheld counts of a group add up to 1 to `min_group` − 1 people, the smallest other
    site's count too (or, with none left, the overall count), so they cannot be worked out
    from the overall count either."""
    rows, real = [], []
    for site in sites:
        team = scope_population(session, {site.id}, last, last)
        if not team:
            continue
        result = coaching(session, site, last, rules)
        counts = {group: len(getattr(result, group)) for group in GROUPS}
        real.append(counts)
        rows.append(
            {
                "site_id": site.code,
                "name": site.name,
                "team": team,
                "counts": {g: _count(n, team, min_group) for g, n in counts.items()},
                "suppressed": team < min_group,
            }
        )
    team = sum(r["team"] for r in rows)
    overall = {g: _count(sum(c[g] for c in real), team, min_group) for g in GROUPS}
    for group in GROUPS:
        _protect(rows, real, overall, group, min_group)
    return {
        "groups": list(GROUPS),
        "as_of": last.isoformat(),
        "sites": rows,
        "overall": {"team": team, "counts": overall},
        "withheld_reason": too_small(min_group),
    }


def _count(n: int, team: int, min_group: int) -> int | None:
    return None if team < min_group or 0 < n < min_group else n


def _protect(rows: list[dict], real: list[dict], overall: dict, group: str, min_group: int):
    """Complementary suppression of one group's column (see `help_counts`): a shown count
    above zero is at least `min_group`, so one more withheld count is enough."""
    hidden = sum(c[group] for r, c in zip(rows, real, strict=True) if r["counts"][group] is None)
    if overall[group] is None or not 0 < hidden < min_group:
        return
    shown = [
        (c[group], r["site_id"], r) for r, c in zip(rows, real, strict=True) if r["counts"][group]
    ]
    if shown:
        min(shown, key=lambda s: s[:2])[2]["counts"][group] = None
    else:
        overall[group] = None


def verdict(session: Session, *, now: datetime, rules: ScoringRules) -> dict:
    """The pilot effect on the adoption rate at each week since go-live as known at `now`
    (`pilots.report.effects_of` the site weeks of that metric alone), and the verdict in
    words (English; a renderer words it again in its reader's language)."""
    metric = VERDICT_METRIC
    table = curves.site_weeks(session, metric=metric, now=now, rules=rules)
    effects = report.effects_of(table)
    control_sites = report.control_sites(table)
    latest = effects[-1] if effects else None
    return {
        "metric": metric,
        "unit": curves.unit_of(metric),
        "effects": effects,
        "sentences": verdict_sentences(
            effects, metric=metric, unit=curves.unit_of(metric), control_sites=control_sites
        ),
        "control_sites": control_sites,
        "pilots_ahead": bool(latest and (latest.get("perm_ci_low") or 0) > 0),
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
