"""The demo chain: deterministic by seed, with the planted patterns, seeded through the CLI."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from adoption.errors import Invalid
from adoption.ingest.validation import validate_event
from adoption.masterdata import imports
from adoption.simulation.chain import SAFETY_MARGIN, event_batches, simulate, write_master_files
from adoption.simulation.people import FEATURES, HARD_FEATURE

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
POINTS = {f.action: (f.points, f.daily_cap) for f in FEATURES}


def all_events(sim, now=NOW) -> list[dict]:
    return [event for batch in event_batches(sim, now=now) for event in batch]


@pytest.fixture(scope="module")
def small():
    """8 sites over 6 weeks: the chain, its valid events as (user, site, action, day, outcome),
    and the number of events sent (broken ones included)."""
    sim = simulate(seed=7, sites=8, weeks=6, today=TODAY)
    codes = {s.code for s in sim.sites}
    rows = []
    raws = all_events(sim)
    for raw in raws:
        valid, _ = validate_event(raw, NOW)
        if valid is not None and valid.site_id in codes:
            local_day = datetime.fromisoformat(raw["occurred_at"]).date()  # offset is the site's
            rows.append((valid.user_id, valid.site_id, valid.action, local_day, valid.outcome))
    return sim, rows, len(raws)


def test_same_seed_gives_identical_master_files_and_events(tmp_path):
    one, two = (simulate(seed=3, sites=6, weeks=4, today=TODAY) for _ in range(2))
    paths_one = write_master_files(one, tmp_path / "one")
    paths_two = write_master_files(two, tmp_path / "two")
    for kind, path in paths_one.items():
        assert path.read_bytes() == paths_two[kind].read_bytes()
    assert all_events(one)[:2000] == all_events(two)[:2000]


def test_different_seed_gives_a_different_chain(tmp_path):
    one = simulate(seed=3, sites=6, weeks=4, today=TODAY)
    other = simulate(seed=4, sites=6, weeks=4, today=TODAY)
    roster_one = write_master_files(one, tmp_path / "one")["roster"].read_bytes()
    assert roster_one != write_master_files(other, tmp_path / "two")["roster"].read_bytes()
    assert all_events(one)[:100] != all_events(other)[:100]


def test_default_chain_has_regions_timezones_waves_and_600_people():
    sim = simulate(today=TODAY)
    assert len(sim.sites) == 40
    assert len({s.region for s in sim.sites}) >= 3
    assert len({s.timezone for s in sim.sites}) >= 2
    pilots = [s for s in sim.sites if s.is_pilot]
    assert len(pilots) == 3 and {s.wave for s in pilots} == {0}
    later = [s for s in sim.sites if not s.is_pilot]
    assert {s.wave for s in later} == {1, 2, 3}
    assert min(s.go_live_on for s in later) > max(s.go_live_on for s in pilots)
    assert sum(e.rostered for e in sim.employees) >= 600
    assert len({s.program_started_on for s in sim.sites} - {None}) >= 2
    assert (sim.first_day, sim.last_day) == (TODAY - timedelta(weeks=12), TODAY - timedelta(1))


def test_pilot_sites_adopt_faster_in_their_first_three_weeks(small):
    sim, rows, _sent = small
    active = defaultdict(set)  # (site, week since go-live) → users with a success that week
    home = {e.user_id: e.site_code for e in sim.employees if e.rostered}
    for user, _site, _action, day, outcome in rows:
        if outcome == "success" and user in home:
            site = next(s for s in sim.sites if s.code == home[user])
            active[site.code, (day - site.go_live_on).days // 7].add(user)
    shares = {True: [], False: []}
    for site in sim.sites:
        assert site.go_live_on + timedelta(days=20) <= sim.last_day  # three whole weeks each
        population = sum(1 for code in home.values() if code == site.code)
        weekly = [len(active[site.code, week]) / population for week in range(3)]
        shares[site.is_pilot].append(sum(weekly) / 3)
    pilot = sum(shares[True]) / len(shares[True])
    rest = sum(shares[False]) / len(shares[False])
    assert pilot > rest + 0.1


def test_a_grinder_earns_past_the_daily_cap(small):
    sim, rows, _sent = small
    successes = Counter((u, a, d) for u, _s, a, d, ok in rows if ok == "success")
    grinders = {e.user_id for e in sim.employees if e.persona == "grinder"}
    over_cap = {
        user
        for (user, action, _day), n in successes.items()
        if POINTS[action][1] is not None and n * POINTS[action][0] > POINTS[action][1]
    }
    assert grinders and grinders & over_cap


def test_resisters_go_silent_in_the_last_week(small):
    sim, rows, _sent = small
    days_of = defaultdict(set)
    for user, _site, _action, day, _ok in rows:
        days_of[user].add(day)
    resisters = [e.user_id for e in sim.employees if e.persona == "resister"]
    last_week = sim.last_day - timedelta(days=6)
    assert resisters
    for user in resisters:
        assert days_of[user], f"{user} was never active"
        assert max(days_of[user]) < last_week


def test_hard_feature_has_the_highest_error_rate(small):
    _sim, rows, _sent = small
    totals, errors = Counter(), Counter()
    for _user, _site, action, _day, outcome in rows:
        totals[action.removesuffix(".v2")] += 1
        errors[action.removesuffix(".v2")] += outcome == "error"
    rates = {a: errors[a] / n for a, n in totals.items() if n >= 50}
    assert max(rates, key=rates.get) == HARD_FEATURE


def test_events_fall_in_opening_hours_and_never_after_now():
    sim = simulate(seed=5, sites=5, weeks=3, today=TODAY)
    now = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # mid-afternoon of the last simulated day
    sites = {s.code: s for s in sim.sites}
    events = [e for e in all_events(sim, now=now) if e.get("site_id") in sites]
    assert events
    for raw in events:
        site, at = sites[raw["site_id"]], datetime.fromisoformat(raw["occurred_at"])
        if at.tzinfo is None:
            continue  # a deliberately broken one
        assert site.opens <= at.hour < site.closes
        assert at.weekday() < 6 or site.open_sundays
        assert at <= now - SAFETY_MARGIN


def test_a_few_events_are_broken_for_the_quarantine(small):
    _sim, rows, sent = small
    broken = sent - len(rows)
    assert 0 < broken < sent * 0.005


def test_master_files_import_with_their_mess_cleaned(session, tmp_path):
    sim = simulate(seed=7, sites=8, weeks=6, today=TODAY)
    paths = write_master_files(sim, tmp_path)
    summaries = {
        kind: imports.import_master(
            session, kind, paths[kind], now=NOW, actor="test", default_tz="UTC"
        )
        for kind in ("sites", "features", "roster")
    }
    roster = summaries["roster"]
    assert roster.kept == sum(e.rostered for e in sim.employees)
    assert roster.merged and roster.fixed and roster.rejected
    assert summaries["sites"].kept == 8 and summaries["sites"].merged
    assert summaries["features"].merged and summaries["features"].rejected == 0


def test_a_chain_scale_world_has_a_thousand_sites_of_about_fifty_people():
    sim = simulate(seed=7, sites=1000, weeks=2, today=TODAY, people_per_site=50)
    codes = [s.code for s in sim.sites]
    assert (len(codes), codes[0], codes[-1]) == (1000, "S0001", "S1000")
    assert len({s.name for s in sim.sites}) == 1000  # names repeat only with a number
    per_site = Counter(e.site_code for e in sim.employees if e.rostered)
    assert min(per_site.values()) >= 25 and max(per_site.values()) <= 75
    assert 45 <= sum(per_site.values()) / 1000 <= 55
    assert len({e.user_id for e in sim.employees}) == len(sim.employees)


def test_the_default_demo_world_is_unchanged_by_the_scale_options():
    # 6–25 people per site and S001…: what the README's logins and the demo rely on
    sim = simulate(seed=7, sites=40, weeks=12, today=TODAY)
    sizes = Counter(e.site_code for e in sim.employees if e.rostered)
    assert sim.sites[0].code == "S001" and len(sim.sites) == 40
    assert (min(sizes.values()), max(sizes.values())) == (6, 25)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sites": 5001}, "sites"),
        ({"people_per_site": 1}, "people_per_site"),
        ({"sites": 1000, "people_per_site": 200}, "people_per_site"),
    ],
)
def test_worlds_beyond_the_limits_are_refused_naming_the_option(kwargs, field):
    with pytest.raises(Invalid) as err:
        simulate(**{"seed": 1, "weeks": 1, "today": TODAY, **kwargs})
    assert field in err.value.details
