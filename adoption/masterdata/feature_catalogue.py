"""The feature catalogue as an admin reads it: the mapped features filtered by module and text,
a page at a time by action, and what changing a feature's core flag would do to people's
breadth (DESIGN.md "Definitions": core features with ≥ `breadth_min_successes` successes in the
window ÷ core features).

The effect is counted over the proficiency window (the active scoring config's `window_days`,
28 by default) ending on the chain's last complete day, from the daily_usage rollup, whose rows
hold features after aliasing. Only the core flag is priced: a change of alias moves usage
between features, which only raw events can tell apart, and the page reads rollups only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.calendar import last_complete_day, site_timezones
from adoption.ingest.registry import canonical_map
from adoption.masterdata.cleaning import normalise_action
from adoption.models import DailyUsage, Feature
from adoption.scoring.rules import load_rules

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SEARCH_MAX = 200


@dataclass(frozen=True)
class CoreFlagEffect:
    """What ticking or unticking "core" on `action` would do, counted over `first`..`last`.

    `make_core`: the change priced (True: make it core; False: make it not core).
    `changed`: people whose breadth would change. Adding or removing a core feature changes the
    denominator, so this counts everyone with a core feature mastered, not only its users;
    `users`: people with ≥ `min_successes` successes of it (after aliasing) in the window.
    `counts_as`: the action it is an alias of (then its flag changes nobody's breadth: its use
    counts as that feature's); None otherwise.
    """

    action: str
    make_core: bool
    changed: int
    users: int
    counts_as: str | None
    first: date
    last: date
    window_days: int
    min_successes: int


@dataclass(frozen=True)
class CataloguePage:
    """One page of mapped features by action (`features`), `next_after` for the next page
    (None on the last), how many match the filters (`total`), every module (for the filter),
    the core flag's effect per shown action (`effects`), and how many actions wait to be
    mapped (`unmapped`)."""

    features: list[Feature]
    next_after: str | None
    total: int
    modules: list[str]
    effects: dict[str, CoreFlagEffect]
    unmapped: int


def catalogue_page(
    session: Session,
    now: datetime,
    *,
    module: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> CataloguePage:
    """Mapped features whose module is `module` (when given) and whose action or title holds
    `search` (case-insensitive, when given), ordered by action after `after`."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    where = [Feature.mapped.is_(True)]
    if module:
        where.append(Feature.module == module)
    term = (search or "").strip().lower()[:SEARCH_MAX]
    if term:
        where.append(
            func.lower(Feature.action).contains(term, autoescape=True)
            | func.lower(func.coalesce(Feature.title, "")).contains(term, autoescape=True)
        )
    stmt = select(Feature).where(*where).order_by(Feature.action)
    if after:
        stmt = stmt.where(Feature.action > normalise_action(after))
    rows = list(session.scalars(stmt.limit(limit + 1)))
    shown = rows[:limit]
    total = session.scalar(select(func.count()).select_from(Feature).where(*where)) or 0
    modules = list(
        session.scalars(select(Feature.module).where(Feature.mapped.is_(True)).distinct())
    )
    return CataloguePage(
        features=shown,
        next_after=shown[-1].action if len(rows) > limit else None,
        total=total,
        modules=sorted(modules),
        effects=core_flag_effects(session, [f.action for f in shown], now),
        unmapped=unmapped_count(session),
    )


def unmapped_count(session: Session) -> int:
    """How many actions seen in events wait to be mapped."""
    unmapped = select(func.count()).select_from(Feature).where(Feature.mapped.is_(False))
    return session.scalar(unmapped) or 0


def core_flag_effect(session: Session, action: str, now: datetime) -> CoreFlagEffect | None:
    """`core_flag_effects` of one action (None for an unknown action)."""
    action = normalise_action(action)
    return core_flag_effects(session, [action], now).get(action)


def core_flag_effects(
    session: Session, actions: list[str], now: datetime
) -> dict[str, CoreFlagEffect]:
    """For each known action: how many people's breadth would change if its core flag were
    flipped (made core when it is not, not core when it is), as of the last complete day."""
    rules = load_rules(session)
    last = last_complete_day(site_timezones(session), now)
    first = last - timedelta(days=rules.window_days - 1)
    rows = session.execute(select(Feature.id, Feature.action, Feature.is_core)).all()
    canonical = canonical_map(session)
    action_of = {fid: act for fid, act, _ in rows}
    core = {fid for fid, _, is_core in rows if is_core and canonical.get(fid, fid) == fid}
    mastered = _mastered(session, first, last, rules.breadth_min_successes, canonical)
    known = {act: (fid, is_core) for fid, act, is_core in rows}
    wanted = {known[a][0] for a in actions if a in known}
    everyone, by_feature = _mastery_counts(mastered, core, wanted, canonical)
    out = {}
    for action in actions:
        if action not in known:
            continue
        fid, is_core = known[action]
        target = canonical.get(fid, fid)
        users = by_feature.get(target, Counter())
        changed = 0 if target != fid else _breadth_changes(everyone, users, len(core), not is_core)
        out[action] = CoreFlagEffect(
            action=action,
            make_core=not is_core,
            changed=changed,
            users=sum(users.values()),
            counts_as=action_of[target] if target != fid else None,
            first=first,
            last=last,
            window_days=rules.window_days,
            min_successes=rules.breadth_min_successes,
        )
    return out


def _mastered(
    session: Session, first: date, last: date, min_successes: int, canonical: dict[int, int]
) -> dict[int, set[int]]:
    """employee id → the features (after aliasing) with ≥ `min_successes` successes in the
    window, at any site. The rollup holds features after aliasing (rebuilt when an alias
    changes), so its rows can be thresholded as they are."""
    du = DailyUsage
    rows = session.execute(
        select(du.employee_id, du.feature_id)
        .where(du.local_day >= first, du.local_day <= last)
        .group_by(du.employee_id, du.feature_id)
        .having(func.sum(du.successes) >= min_successes)
    )
    out: dict[int, set[int]] = defaultdict(set)
    for employee_id, feature_id in rows:
        out[employee_id].add(canonical.get(feature_id, feature_id))
    return out


def breadth(mastered_core: int, core_count: int) -> Fraction:
    """DESIGN.md's breadth: core features mastered ÷ core features (0 when there are none)."""
    return Fraction(mastered_core, core_count) if core_count else Fraction(0)


def _mastery_counts(
    mastered: dict[int, set[int]], core: set[int], wanted: set[int], canonical: dict[int, int]
) -> tuple[Counter, dict[int, Counter]]:
    """How many people have mastered k core features, for each k; and the same among the
    people who mastered each feature that a `wanted` one counts as."""
    targets = {canonical.get(fid, fid) for fid in wanted}
    everyone: Counter = Counter()
    by_feature: dict[int, Counter] = defaultdict(Counter)
    for features in mastered.values():
        k = len(features & core)
        everyone[k] += 1
        for fid in features & targets:
            by_feature[fid][k] += 1
    return everyone, by_feature


def _breadth_changes(everyone: Counter, users: Counter, n: int, make_core: bool) -> int:
    """People whose breadth changes when a feature that counts as itself joins (`make_core`)
    or leaves the n core features; `everyone` and `users` (its masters) count people by the
    core features k they mastered before. Users go from k/n to (k ± 1)/(n ± 1), everyone else
    from k/n to k/(n ± 1)."""
    new_n = n + 1 if make_core else n - 1
    step = 1 if make_core else -1
    changed = 0
    for k, count in everyone.items():
        used = users.get(k, 0)
        if breadth(k, n) != breadth(k, new_n):
            changed += count - used
        if used and breadth(k, n) != breadth(k + step, new_n):
            changed += used
    return changed
