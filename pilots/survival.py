"""Time to proficiency as survival data: Kaplan–Meier curves, medians with CIs, the log-rank test.

Time runs in local days from max(go_live_on, hired_on) to the event (first active day, or
proficient since); people who have not got there are censored at min(left_on, as_of)
(DESIGN.md "Time to first use / to proficiency"). An event before the start counts at day 0.

Variance: Greenwood. Pointwise 95% CI of S(t): the log-log transform (R `survival`'s
conf.type="log-log"). Median: the smallest t with S(t) ≤ 0.5. Its 95% CI: Brookmeyer–Crowley,
i.e. the first times where the log-log lower / upper band of S falls to 0.5 or below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from scipy.stats import chi2
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import yesterday
from adoption.locales import N_, Text
from adoption.models import Employee, Site
from adoption.scoring.proficiency import proficient_since_map
from adoption.scoring.rules import ScoringRules

Z95 = 1.959963984540054
GROUPS = ("pilot", "control")


@dataclass(frozen=True)
class KaplanMeier:
    """One row per distinct time (event or censoring), in increasing order."""

    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray

    @property
    def median(self) -> float | None:
        return _first_at_or_below_half(self.times, self.survival)

    @property
    def median_ci(self) -> tuple[float | None, float | None]:
        # The lower band reaches 0.5 first: that is the lower end of the median's interval.
        return (
            _first_at_or_below_half(self.times, self.ci_low),
            _first_at_or_below_half(self.times, self.ci_high),
        )

    def rows(self) -> list[dict]:
        return [
            {
                "day": float(t),
                "at_risk": int(n),
                "events": int(d),
                "censored": int(c),
                "survival": float(s),
                "ci_low": float(lo),
                "ci_high": float(hi),
            }
            for t, n, d, c, s, lo, hi in zip(
                self.times,
                self.at_risk,
                self.events,
                self.censored,
                self.survival,
                self.ci_low,
                self.ci_high,
                strict=True,
            )
        ]


def _first_at_or_below_half(times: np.ndarray, curve: np.ndarray) -> float | None:
    hits = np.flatnonzero(curve <= 0.5 + 1e-12)
    return float(times[hits[0]]) if len(hits) else None


def kaplan_meier(times: Sequence[float], observed: Sequence[bool]) -> KaplanMeier:
    """Product-limit estimate; a censoring at t is still at risk for an event at t."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(observed, dtype=bool)
    grid = np.unique(t)
    at_risk = np.array([(t >= u).sum() for u in grid], dtype=int)
    events = np.array([(e & (t == u)).sum() for u in grid], dtype=int)
    censored = np.array([(~e & (t == u)).sum() for u in grid], dtype=int)
    survival = np.cumprod(1 - events / at_risk) if len(grid) else np.array([])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        greenwood = np.cumsum(terms)
        log_s = np.log(survival)
        se = np.sqrt(greenwood) / np.abs(log_s)
        theta = np.log(-log_s)
        low = np.exp(-np.exp(theta + Z95 * se))
        high = np.exp(-np.exp(theta - Z95 * se))
    # S = 1 (no event yet): the interval is [1, 1]; S = 0: [0, 0].
    low = np.where(survival >= 1, 1.0, np.where(survival <= 0, 0.0, low))
    high = np.where(survival >= 1, 1.0, np.where(survival <= 0, 0.0, high))
    return KaplanMeier(grid, at_risk, events, censored, survival, low, high)


def km_median(times: Sequence[float], observed: Sequence[bool]) -> float | None:
    return kaplan_meier(times, observed).median if len(times) else None


def km_medians(group: np.ndarray, times: np.ndarray, observed: np.ndarray, size: int) -> np.ndarray:
    """`km_median` of the spells of each group 0 … size − 1 at once (NaN for none or not
    reached): the same at-risk and event counts, the same products in the same order."""
    medians = np.full(size, np.nan)
    if not len(group):
        return medians
    order = np.lexsort((times, group))
    g, t, e = group[order], np.asarray(times, dtype=float)[order], observed[order]
    step = np.ones(len(g), dtype=bool)  # the first spell of each (group, time)
    step[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(step)
    at_risk = np.searchsorted(g, g[starts], side="right") - starts  # the group's spells ≥ t
    events = np.bincount(np.cumsum(step) - 1, weights=e).astype(np.int64)
    factor = 1 - events / at_risk
    survival = pd.Series(factor).groupby(g[starts]).cumprod().to_numpy()
    hits = np.flatnonzero(survival <= 0.5 + 1e-12)
    groups, first = np.unique(g[starts][hits], return_index=True)
    medians[groups] = t[starts][hits[first]]
    return medians


@dataclass(frozen=True)
class LogRank:
    statistic: float
    p_value: float
    observed: tuple[int, int]
    expected: tuple[float, float]


def log_rank(
    times_a: Sequence[float],
    observed_a: Sequence[bool],
    times_b: Sequence[float],
    observed_b: Sequence[bool],
) -> LogRank | None:
    """Log-rank test of two groups (hypergeometric variance): chi-square with 1 df."""
    ta, tb = np.asarray(times_a, dtype=float), np.asarray(times_b, dtype=float)
    ea, eb = np.asarray(observed_a, dtype=bool), np.asarray(observed_b, dtype=bool)
    grid = np.unique(np.concatenate([ta[ea], tb[eb]]))
    o_a = e_a = var = 0.0
    for u in grid:
        n_a, n_b = (ta >= u).sum(), (tb >= u).sum()
        d_a, d_b = (ea & (ta == u)).sum(), (eb & (tb == u)).sum()
        n, d = n_a + n_b, d_a + d_b
        o_a += d_a
        e_a += d * n_a / n
        if n > 1:
            var += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
    if var <= 0:
        return None
    statistic = (o_a - e_a) ** 2 / var
    total = int(ea.sum() + eb.sum())
    return LogRank(
        float(statistic),
        float(chi2.sf(statistic, 1)),
        (int(o_a), total - int(o_a)),
        (float(e_a), float(total - e_a)),
    )


def spell(start: date, event_day: date | None, left_on: date | None, as_of: date):
    """(days, observed) from start to the event, censored at min(left_on, as_of); None when the
    person is not at risk on that range (starts after it ends)."""
    end = as_of if left_on is None else min(left_on, as_of)
    if end < start:
        return None
    if event_day is not None and event_day <= end:
        return max(0, (event_day - start).days), True
    return (end - start).days, False


def time_to_proficiency(session: Session, *, now: datetime, rules: ScoringRules) -> dict:
    """Kaplan–Meier per group (pilot, control) of rostered employees of sites with a go-live,
    medians with 95% CIs and the log-rank test; as_of is yesterday at each site."""
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.go_live_on.is_not(None)))}
    people = session.execute(
        select(Employee.id, Employee.site_id, Employee.hired_on, Employee.left_on).where(
            Employee.site_id.in_(sites), Employee.rostered.is_(True)
        )
    ).all()
    as_of = {sid: yesterday(s.timezone, now) for sid, s in sites.items()}
    since = (
        proficient_since_map(session, [p.id for p in people], max(as_of.values()), rules)
        if people
        else {}
    )
    data: dict[str, tuple[list, list]] = {g: ([], []) for g in GROUPS}
    for p in people:
        site = sites[p.site_id]
        start = max(site.go_live_on, p.hired_on or site.go_live_on)
        got = spell(start, since.get(p.id), p.left_on, as_of[p.site_id])
        if got is not None:
            times, events = data["pilot" if site.is_pilot else "control"]
            times.append(got[0])
            events.append(got[1])
    result = {g: _group(*data[g], sites, g) for g in GROUPS}
    test = log_rank(*data["pilot"], *data["control"])
    result["log_rank"] = {
        "statistic": test.statistic if test else None,
        "df": 1,
        "p_value": test.p_value if test else None,
    }
    result["method"] = N_(
        "Kaplan–Meier per group, Greenwood variance, 95%% log-log pointwise CI; median = first "
        "day with S ≤ 0.5, 95%% CI by Brookmeyer–Crowley (log-log bounds); log-rank test "
        "(Mantel–Haenszel, chi-square 1 df); days from max(go_live_on, hired_on) to proficient "
        "since, censored at min(left_on, yesterday at the site)"
    )
    result["caveats"] = _caveats(result, session)
    return result


def _group(times: list, events: list, sites: dict, group: str) -> dict:
    km = kaplan_meier(times, events) if times else None
    low, high = km.median_ci if km else (None, None)
    pilot = group == "pilot"
    return {
        "n_sites": sum(s.is_pilot == pilot for s in sites.values()),
        "n": len(times),
        "events": int(sum(events)),
        "censored": len(times) - int(sum(events)),
        "median_days": km.median if km else None,
        "median_ci_low": low,
        "median_ci_high": high,
        "curve": km.rows() if km else [],
    }


def _caveats(result: dict, session: Session) -> list[str]:
    out = [
        N_(
            "People of one site are not independent (same manager, same training); the log-rank "
            "test treats them as if they were, so its p-value is optimistic."
        )
    ]
    for g in GROUPS:
        if result[g]["n_sites"] < 5:
            out.append(_few_sites(g, result[g]["n_sites"]))
        if result[g]["median_days"] is None and result[g]["n"]:
            out.append(_unreached(g))
    missing = session.scalars(
        select(Site.code).where(Site.go_live_on.is_(None)).order_by(Site.code_key)
    ).all()
    if missing:
        out.append(
            N_("Sites without go_live_on are left out: %(sites)s.", sites=", ".join(missing))
        )
    return out


def _few_sites(group: str, n: int) -> Text:
    if group == "pilot":
        return N_("Fewer than 5 sites on the pilot side (%(n)s).", n=n)
    return N_("Fewer than 5 sites on the control side (%(n)s).", n=n)


def _unreached(group: str) -> Text:
    if group == "pilot":
        return N_("The pilot median is not reached yet (S(t) stays above 0.5).")
    return N_("The control median is not reached yet (S(t) stays above 0.5).")
