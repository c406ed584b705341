"""The pilot comparison as the API and charts serve it: curves, the effect at week k, caveats;
and the rollout lead's page as one read model (`pilots_page`): the comparison, the effect at
every week, each wave's readiness gate with its failing sites, time to proficiency and the
chain's error hot spots.

Each answer, and the site weeks of a metric it rests on, is cached per worker under its
arguments and the state of the data it reads (`pilots.cache`): asked again before anything it
reads has changed, it is not computed again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.errors import Invalid, NotFound
from adoption.models import Site
from adoption.scoring.rules import ScoringRules, load_rules
from adoption.usage.insights import ChainHotspots, chain_hotspots
from pilots import charts, page_charts, readiness, survival, waves
from pilots.cache import cached, data_state
from pilots.comparison import WEIGHTINGS, effect
from pilots.curves import (
    MAX_WEEK,
    METRICS,
    Columns,
    caveats,
    curve_rows,
    group_mean,
    metric_table,
    side,
    site_panel,
    unit_of,
)
from pilots.did import panel as did_panel
from pilots.targets import target_progress, targets_overview
from pilots.verdict import verdict_sentences


def check_args(metric: str, week: int | None = None, weighting: str = "sites") -> None:
    errors = {}
    if metric not in METRICS:
        errors["metric"] = [f"Must be one of: {', '.join(METRICS)}."]
    if week is not None and not 0 <= week <= MAX_WEEK:
        errors["week"] = [
            f"Must be between 0 and {MAX_WEEK}; negative weeks are shown on curves only."
        ]
    if weighting not in WEIGHTINGS:
        errors["weighting"] = [f"Must be one of: {', '.join(WEIGHTINGS)}."]
    if errors:
        raise Invalid(errors)


def week_effect(table: pd.DataFrame, week: int, weighting: str, seed: int):
    """(pilot rows, control rows, Effect) at `week`: sites with a value there."""
    at = table[table["week"] == week]
    if weighting == "rostered":  # a site without population weighs nothing
        at = at[at["population"] > 0]
    pilot, control = side(at, True), side(at, False)
    weights = None
    if weighting == "rostered":
        weights = (pilot["population"].to_numpy(float), control["population"].to_numpy(float))
    values = (pilot["value"].to_numpy(float), control["value"].to_numpy(float))
    return pilot, control, effect(*values, weights, seed=seed)


def comparison(
    session: Session,
    *,
    metric: str,
    week: int,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> dict:
    """The contract's comparison object: both groups at `week`, the effect, curve, caveats."""
    check_args(metric, week, weighting)
    return _comparison(session, data_state(session, now), metric, week, weighting, seed, now, rules)


def _site_weeks(session, state, metric: str, now: datetime, rules: ScoringRules) -> pd.DataFrame:
    """`site_weeks` of `metric`, a slice of the panel of every metric: the panel is read once
    per state of the data (the first request after a rollup change pays for it), and a change
    of metric or week later reads nothing."""

    return cached(
        session,
        state,
        ("site_weeks", metric, rules),
        lambda: metric_table(_panel(session, state, now, rules), metric),
    )


def _panel(session, state, now: datetime, rules: ScoringRules) -> pd.DataFrame:
    """The weekly panel of every metric at every site, once per state of the data: the page's
    curves, effects, targets and readiness gates all read their cells from it."""

    def panel() -> pd.DataFrame:
        return site_panel(session, metrics=set(METRICS), now=now, rules=rules)

    return cached(session, state, ("panel", rules), panel)


def _comparison(session, state, metric, week, weighting, seed, now, rules) -> dict:
    def compute() -> dict:
        table = _site_weeks(session, state, metric, now, rules)
        return comparison_of(
            session, table, metric=metric, week=week, weighting=weighting, seed=seed
        )

    return cached(session, state, ("comparison", metric, week, weighting, seed, rules), compute)


def comparison_of(
    session: Session, table: pd.DataFrame, *, metric: str, week: int, weighting: str, seed: int
) -> dict:
    """`comparison` on site weeks already read (`site_weeks`), so a page that also shows
    `effects_of` the same table reads them once."""
    pilot, control, result = week_effect(table, week, weighting, seed)
    sites = list(session.scalars(select(Site).order_by(Site.code_key)))
    return {
        "metric": metric,
        "unit": unit_of(metric),
        "week": week,
        "weighting": weighting,
        "seed": seed,
        "pilot": {"n_sites": len(pilot), "mean": group_mean(pilot, weighting)},
        "control": {"n_sites": len(control), "mean": group_mean(control, weighting)},
        "effect": result.as_dict(),
        "sites": [
            {
                "site_id": r.code,
                "is_pilot": bool(r.is_pilot),
                "value": float(r.value),
                "population": int(r.population),
            }
            for r in [*pilot.itertuples(index=False), *control.itertuples(index=False)]
        ],
        "curve": curve_rows(table, weighting),
        "caveats": caveats(table, week, sites, metric),
    }


def effect_series(
    session: Session,
    *,
    metric: str,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> list[dict]:
    """The effect with its CI for every week ≥ 0 with at least one site on each side."""
    check_args(metric, None, weighting)
    return _effects(session, data_state(session, now), metric, weighting, seed, now, rules)


def _effects(session, state, metric, weighting, seed, now, rules) -> list[dict]:
    def compute() -> list[dict]:
        return effects_of(_site_weeks(session, state, metric, now, rules), weighting, seed)

    return cached(session, state, ("effects", metric, weighting, seed, rules), compute)


def effects_of(table: pd.DataFrame, weighting: str = "sites", seed: int = 0) -> list[dict]:
    """`effect_series` on site weeks already read (`site_weeks`): at each week, the sites
    `week_effect` takes."""
    columns = Columns.of(table)
    out = []
    for week in np.unique(columns.week[columns.week >= 0]):
        pilot = columns.side(week, True, weighting)
        control = columns.side(week, False, weighting)
        if pilot.any() and control.any():
            weights = None
            if weighting == "rostered":
                weights = (columns.population[pilot], columns.population[control])
            result = effect(columns.value[pilot], columns.value[control], weights, seed=seed)
            counts = {"n_pilot": int(pilot.sum()), "n_control": int(control.sum())}
            out.append({"week": int(week), **counts} | result.as_dict())
    return out


def curve(
    session: Session, *, metric: str, weighting: str = "sites", now: datetime, rules: ScoringRules
) -> list[dict]:
    check_args(metric, None, weighting)
    table = _site_weeks(session, data_state(session, now), metric, now, rules)
    return curve_rows(table, weighting)


CHARTS = ("curve", "effect", "time-to-proficiency")


def render_chart(
    session: Session,
    *,
    chart: str,
    fmt: str,
    metric: str = "adoption_rate",
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
) -> tuple[bytes, str]:
    """(bytes, file name) of one chart as SVG or PNG."""
    if chart not in CHARTS or fmt not in charts.FORMATS:
        raise NotFound(
            f"No chart {chart}.{fmt}.",
            {"chart": list(CHARTS), "format": list(charts.FORMATS)},
        )
    if chart == "time-to-proficiency":
        name = f"pilots-time-to-proficiency.{fmt}"
    else:
        check_args(metric, None, weighting)
        name = f"pilots-{chart}-{metric}-{weighting}.{fmt}"
    state = data_state(session, now)
    return _chart(session, state, chart, fmt, metric, weighting, seed, now, rules), name


def _chart(session, state, chart, fmt, metric, weighting, seed, now, rules) -> bytes:
    def compute() -> bytes:
        if chart == "time-to-proficiency":
            return charts.km_chart(_time_to_proficiency(session, state, now, rules), fmt)
        unit = unit_of(metric)
        if chart == "curve":
            rows = curve_rows(_site_weeks(session, state, metric, now, rules), weighting)
            return charts.curve_chart(rows, metric=metric, unit=unit, fmt=fmt)
        rows = _effects(session, state, metric, weighting, seed, now, rules)
        return charts.effect_chart(rows, metric=metric, unit=unit, fmt=fmt)

    key = ("chart", chart, fmt, metric, weighting, seed, rules)
    return cached(session, state, key, compute)


def _time_to_proficiency(session, state, now: datetime, rules: ScoringRules) -> dict:
    return cached(
        session,
        state,
        ("time_to_proficiency", rules),
        lambda: survival.time_to_proficiency(session, now=now, rules=rules),
    )


def control_sites(table: pd.DataFrame) -> int:
    """The non-pilot sites of a site-week table (sites with a go-live)."""
    return int(table.loc[~table["is_pilot"].astype(bool), "site_id"].nunique())


def verdict(
    session: Session,
    *,
    metric: str,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    rules: ScoringRules,
    gettext: Callable[[str], str] = lambda s: s,
) -> list[str]:
    """`pilots.verdict.verdict_sentences` of `effect_series`, in the language of `gettext`."""
    check_args(metric, None, weighting)
    state = data_state(session, now)
    table = _site_weeks(session, state, metric, now, rules)
    return verdict_sentences(
        _effects(session, state, metric, weighting, seed, now, rules),
        metric=metric,
        unit=unit_of(metric),
        control_sites=control_sites(table),
        gettext=gettext,
    )


MAX_WAVES = 1000


def failing_sites(evidence: list[dict]) -> list[str]:
    """The codes of the sites a readiness rule fails at: every site with evidence that did not
    pass, once each, sorted; chain-wide evidence (no site, e.g. "no site in scope") names none."""
    return sorted({e["site_id"] for e in evidence if not e["passed"] and e["site_id"]})


def gates(
    session: Session, *, now: datetime, rules: ScoringRules, panel: pd.DataFrame | None = None
) -> list[dict]:
    """The readiness decision of every wave after the pilots (wave 0 has no gate), by number;
    each rule result also carries its `failing_sites`; a page's `panel` spares the reads."""
    listed = waves.list_waves(session, limit=MAX_WAVES, now=now)
    numbers = [w["wave"] for w in listed if w["wave"] >= 1]
    out = []
    for number in numbers:
        gate = readiness.readiness(session, number, now=now, rules=rules, panel=panel)
        for rule in gate["rules"]:
            rule["failing_sites"] = failing_sites(rule["evidence"])
        out.append(gate)
    return out


@dataclass(frozen=True)
class PilotsPage:
    """Everything the rollout lead's /pilots page shows, from one read of the site weeks.

    `week` is the asked-for week, else the latest with sites on both sides (0 without any);
    `weeks` are the weeks ≥ 0 with data, plus `week`; `comparison` is `comparison` at `week`,
    `effects` is `effect_series`; `gates` as `gates`; `hotspots` as `chain_hotspots`;
    `curve_svg` and `effect_svg` are the curve and effect charts to show inline
    (`pilots.page_charts`; `render_chart` draws the same for slide decks), each with its
    phone-sized layout in `*_svg_narrow` (cached with the page, so together). `waves` is
    `pilots.waves.list_waves` (each with its status and go-live dates); `programme` says some
    site has a program_started_on, and then `did` is `programme_did` of the page's metric with
    its event-study chart `did_svg` and `did_svg_narrow` (all None without a programme or for
    a metric the DiD does not take); `targets` is `pilots.targets.targets_overview` (each with
    its progress).
    """

    metric: str
    weighting: str
    seed: int
    week: int
    weeks: list[int]
    comparison: dict
    effects: list[dict]
    gates: list[dict]
    time_to_proficiency: dict
    hotspots: ChainHotspots
    control_sites: int  # non-pilot sites with a go-live, for the verdict's caveats
    curve_svg: bytes
    effect_svg: bytes
    curve_svg_narrow: bytes
    effect_svg_narrow: bytes
    waves: list[dict]
    programme: bool
    did: dict | None
    did_svg: bytes | None
    did_svg_narrow: bytes | None
    targets: list[dict]


DID_CONTROL = "never"  # the API's default: sites that never start the programme


def has_programme(session: Session) -> bool:
    """Some site has a program_started_on (a change programme to judge by the staggered DiD)."""
    stmt = select(Site.id).where(Site.program_started_on.is_not(None)).limit(1)
    return session.scalar(stmt) is not None


def programme_did(
    session: Session, *, metric: str, seed: int = 0, now: datetime, rules: ScoringRules
) -> dict | None:
    """The staggered DiD of `metric` as /pilots shows it: `pilots.did.panel.did_from_db` with
    the never-treated control, the panel starting when every site with a programme is live
    (`programme_start`), and `metric`, its `unit` and that `start` added; None when the DiD
    has no such metric. Cached as the page's other parts are."""
    if metric not in did_panel.METRICS:
        return None
    state = data_state(session, now)

    def compute() -> dict:
        start = did_panel.programme_start(session)
        result = did_panel.did_from_db(
            session,
            metric=metric,
            control=DID_CONTROL,
            seed=seed,
            now=now,
            rules=rules,
            start=start,
        )
        return {**result, "metric": metric, "unit": unit_of(metric), "start": start}

    return cached(session, state, ("did", metric, DID_CONTROL, seed, rules), compute)


def pilots_page(
    session: Session,
    *,
    metric: str = "adoption_rate",
    week: int | None = None,
    weighting: str = "sites",
    seed: int = 0,
    now: datetime,
    locale: str = "en",
    gettext: Callable[[str], str] = lambda s: s,
) -> PilotsPage:
    """The page's read model; an unknown metric or weighting or a week out of range is Invalid.
    The charts' words are in the language of `gettext`, whose locale is `locale` (a part of
    the cache key, so a reader never gets a chart cached in another language).

    The site weeks of `metric` are read once (`site_weeks`, the slow part) and both the
    comparison at `week` and the effect at every week are computed from that read; each part is
    cached as the API's answers are, so the page and the API share them.
    """
    check_args(metric, week, weighting)
    rules = load_rules(session)
    state = data_state(session, now)

    def compute() -> PilotsPage:
        table = _site_weeks(session, state, metric, now, rules)
        effects = _effects(session, state, metric, weighting, seed, now, rules)
        shown = (effects[-1]["week"] if effects else 0) if week is None else week
        result = _comparison(session, state, metric, shown, weighting, seed, now, rules)
        unit = unit_of(metric)
        return PilotsPage(
            metric=metric,
            weighting=weighting,
            seed=seed,
            week=shown,
            weeks=sorted({int(k) for k in table["week"] if k >= 0} | {shown}),
            comparison=result,
            effects=effects,
            gates=cached(
                session,
                state,
                ("gates", rules),
                lambda: gates(
                    session, now=now, rules=rules, panel=_panel(session, state, now, rules)
                ),
            ),
            time_to_proficiency=_time_to_proficiency(session, state, now, rules),
            hotspots=cached(session, state, ("hotspots",), lambda: chain_hotspots(session, now)),
            control_sites=control_sites(table),
            **_charts(result["curve"], effects, metric=metric, unit=unit, gettext=gettext),
            waves=waves.list_waves(session, limit=MAX_WAVES, now=now),
            **_programme(session, metric, seed, now, rules, gettext),
            targets=cached(  # this and the gates and hot spots: the same for every metric and week
                session,
                state,
                ("targets", rules),
                lambda: targets_overview(
                    session, now=now, rules=rules, panel=_panel(session, state, now, rules)
                ),
            ),
        )

    key = ("page", metric, week, weighting, seed, rules, locale)
    return cached(session, state, key, compute)


def _charts(curve: list[dict], effects: list[dict], **words) -> dict:
    """The page's curve and effect charts, each in the wide and the narrow (phone) layout."""
    charts = {}
    for suffix, layout in (("", page_charts.WIDE), ("_narrow", page_charts.NARROW)):
        charts[f"curve_svg{suffix}"] = page_charts.curve_svg(curve, layout=layout, **words)
        charts[f"effect_svg{suffix}"] = page_charts.effect_svg(effects, layout=layout, **words)
    return charts


def _programme(session, metric, seed, now, rules, gettext) -> dict:
    """The page's DiD fields: `programme`, `did` and its event-study chart, `did_svg` and
    `did_svg_narrow` (the phone's layout)."""
    if not has_programme(session):
        return {"programme": False, "did": None, "did_svg": None, "did_svg_narrow": None}
    did = programme_did(session, metric=metric, seed=seed, now=now, rules=rules)
    if did is None:
        return {"programme": True, "did": None, "did_svg": None, "did_svg_narrow": None}
    words = {"metric": metric, "unit": did["unit"], "gettext": gettext}
    return {
        "programme": True,
        "did": did,
        "did_svg": page_charts.did_svg(did["event_time"], **words),
        "did_svg_narrow": page_charts.did_svg(
            did["event_time"], layout=page_charts.NARROW, **words
        ),
    }


def target_detail(session: Session, target_id: int, *, now: datetime) -> dict:
    """`pilots.targets.target_progress` (per-site progress; NotFound for an unknown id), cached
    as the page's other parts are."""
    rules = load_rules(session)
    state = data_state(session, now)

    def compute() -> dict:
        return target_progress(session, target_id, now=now, rules=rules)

    return cached(session, state, ("target", target_id, rules), compute)
