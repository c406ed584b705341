"""The weekly site panel of the staggered DiD, from the database (DESIGN.md "Pilot comparison").

Weeks are ISO weeks (Monday–Sunday local days), one calendar for every site. The panel's first
week is the earliest week in which any site with a go_live_on is live on every day (Monday ≥
go_live_on), or the ISO week of `start` when one is asked for; its last is the newest week
complete at every site; weeks are numbered from 1 at the first. A later start keeps the sites
that went live in later waves: a programme run at sites of several waves is judged on all of
them (`programme_start` gives the week from which every site with a programme is live).
A site is observed in a week when it was live on all of its days and the metric is defined
there; a site that misses a week (not live yet, or an undefined metric) is dropped by
`pilots.did.estimator`, which lists it in the caveats. A site's group is the panel week of its
program_started_on (0 when null); a programme that started on or before week 1 makes it treated
in the first period, which `pilots.did.estimator` drops and lists as well.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from adoption.calendar import yesterday
from adoption.errors import Invalid
from adoption.locales import N_
from adoption.models import Site
from adoption.scoring.rules import ScoringRules
from adoption.usage.metrics import FIELDS, Window, site_metrics, sites_by_id
from pilots.did.estimator import DRAWS, staggered_did

METRICS = FIELDS
WEEK = timedelta(days=7)
COLUMNS = ["site_id", "week", "group", "value"]


def did_from_db(
    session: Session,
    *,
    metric: str,
    control: str,
    seed: int,
    now: datetime,
    rules: ScoringRules,
    draws: int = DRAWS,
    start: date | None = None,
) -> dict:
    """The contract's DiD answer for a weekly site metric; the panel's own caveats come first."""
    panel, caveats = weekly_panel(session, metric=metric, now=now, rules=rules, start=start)
    result = staggered_did(
        panel,
        unit="site_id",
        time="week",
        group="group",
        outcome="value",
        control=control,
        seed=seed,
        draws=draws,
        noun="site",
    )
    result["caveats"] = caveats + result["caveats"]
    return result


def weekly_panel(
    session: Session,
    *,
    metric: str,
    now: datetime,
    rules: ScoringRules,
    start: date | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """A row per site with a go-live and panel week: site_id, week, group, value (NaN: missing).

    `start`: the panel begins with its ISO week instead of the first week any site was live."""
    if metric not in METRICS:
        raise Invalid({"metric": [f"Must be one of: {', '.join(METRICS)}."]})
    sites = [s for s in sites_by_id(session).values() if s.go_live_on is not None]
    if not sites:
        return pd.DataFrame(columns=COLUMNS), [N_("No site has a go_live_on yet.")]
    last = min(_monday(yesterday(s.timezone, now) + timedelta(days=1)) for s in sites) - WEEK
    first = max(_monday(start), min(_live_from(s) for s in sites)) if start else None
    first = first or min(_live_from(s) for s in sites)
    if last - first < WEEK:
        return pd.DataFrame(columns=COLUMNS), [N_("Fewer than two complete weeks in the panel.")]
    mondays = [first + k * WEEK for k in range((last - first) // WEEK + 1)]
    # A site live after week 1 misses a week and is dropped whatever its values: not computed.
    cells = [(s, k + 1, m) for s in sites if _live_from(s) <= first for k, m in enumerate(mondays)]
    values = site_metrics(
        session, [Window(s.id, m, m + timedelta(days=6)) for s, _, m in cells], rules
    )
    observed = {(s.id, week): v[metric] for (s, week, _), v in zip(cells, values, strict=True)}
    rows = [
        (s.code, week, _group(s, first), observed.get((s.id, week)))
        for s in sites
        for week in range(1, len(mondays) + 1)
    ]
    panel = pd.DataFrame(rows, columns=COLUMNS).astype({"value": float})
    note = N_(
        "Weeks 1 to %(n)s are ISO weeks %(first_week)s to %(last_week)s (%(first)s to %(last)s): "
        "from the first week a site was live on every day to the newest week complete at every "
        "site.",
        n=len(mondays),
        first_week=first.strftime("%G-W%V"),
        last_week=last.strftime("%G-W%V"),
        first=str(first),
        last=str(last + timedelta(days=6)),
    )
    return panel, [note]


def programme_start(session: Session) -> date | None:
    """The first Monday from which every site with a programme start has been live on every
    day: the panel start that judges a programme on all of its sites. None without one."""
    started = [s for s in sites_by_id(session).values() if s.program_started_on and s.go_live_on]
    return max((_live_from(s) for s in started), default=None)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _live_from(site: Site) -> date:
    """The first Monday on or after go-live: the site's first week live on every day."""
    return _monday(site.go_live_on + timedelta(days=6))


def _started(site: Site) -> date | None:
    """The Monday of the programme's first week, if it has one."""
    return _monday(site.program_started_on) if site.program_started_on else None


def _group(site: Site, first: date) -> int:
    start = _started(site)
    if start is None:
        return 0
    return max(1, (start - first) // WEEK + 1)  # on or before week 1: treated in the first period
