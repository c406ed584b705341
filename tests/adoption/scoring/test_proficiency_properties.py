"""Properties of the proficiency score on random small worlds, against the naive reference.

Each example wipes the tables of the test's database and loads a fresh world through the real
ingest path (no re-migration), so a few dozen examples per property stay cheap.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records, records
from adoption.models import Base, DailyUsage, Employee
from adoption.scoring.components import score_frame
from adoption.scoring.proficiency import proficient_since_map
from adoption.scoring.rules import create_rules, load_rules
from adoption.usage.rollups import rebuild_rollups
from tests.adoption.reference import Reference, Rules, World

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 10, 1, tzinfo=UTC)
SITES = (("S1", "Europe/Berlin"), ("S2", "America/New_York"), ("S3", "Asia/Kolkata"))
STRANGER = "X9"  # not on the roster: registered from events at the first site
SLOW_DB = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _day(offset: int) -> date:
    return (BASE + timedelta(days=offset)).date()


@st.composite
def worlds(draw) -> World:
    """1–3 sites in different timezones, 1–4 employees, 2–5 features, 0–60 events."""
    sites = {code: {"timezone": tz} for code, tz in SITES[: draw(st.integers(1, 3))]}
    codes = list(sites)
    employees = {}
    for i in range(draw(st.integers(1, 4))):
        hired = draw(st.none() | st.integers(-5, 35).map(_day))
        left = draw(st.none() | st.integers(0, 40).map(_day))
        if hired and left and left < hired:
            hired, left = left, hired
        employees[f"E{i}"] = {
            "site_id": draw(st.sampled_from(codes)),
            "hired_on": hired,
            "left_on": left,
            "rostered": draw(st.sampled_from([True, True, True, False])),
        }
    features = {}
    n_features = draw(st.integers(2, 5))
    for i in range(n_features):
        features[f"m{i % 2}.f{i}"] = {
            "is_core": True if i == 0 else draw(st.booleans()),
            "expected_ms": draw(st.none() | st.integers(200, 5000)),
        }
    if n_features >= 3 and draw(st.booleans()):
        features[list(features)[-1]]["alias_of"] = "m0.f0"
    actions = [*features, "zz.unmapped"]
    users = [*employees, STRANGER]
    outcomes = ["success", "success", "success", "error"]
    span = draw(st.integers(1, 40)) * 1440
    busy = draw(st.booleans())
    if busy:  # a busy first employee, so some reach Proficient and Expert
        users = ["E0"] * 8 + users
        actions = [a for a, f in features.items() if f["is_core"]] * 4 + actions
        outcomes = ["success"] * 12 + outcomes
        span = draw(st.integers(1, 8)) * 1440
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(users),
                st.sampled_from(codes),
                st.sampled_from(actions),
                st.integers(0, span - 1),
                st.sampled_from(outcomes),
                st.none() | st.just(0) | st.integers(1, 20_000),
            ),
            min_size=30 if busy else 0,
            max_size=60,
        )
    )
    events = []
    for n, (user, site, action, minute, outcome, duration) in enumerate(rows):
        event = {
            "event_id": f"r-{n}",
            "user_id": user,
            "site_id": codes[0] if user == STRANGER else site,
            "action": action,
            "occurred_at": (BASE + timedelta(minutes=minute)).isoformat(),
            "outcome": outcome,
        }
        if duration is not None:
            event["duration_ms"] = duration
        events.append(event)
    return World(sites, employees, features, events)


AS_OF = st.integers(-2, 45).map(_day)


def wipe(session) -> None:
    """Empty every table (children first) but the migration-seeded scoring and points config
    version 1."""
    session.rollback()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in ("scoring_config", "points_config"):
            session.execute(delete(table).where(table.c.version > 1))
        else:
            session.execute(delete(table))
    session.commit()


def load_master_data(session, world: World) -> None:
    for code, site in world.sites.items():
        values = {"name": f"Store {code}", **site}
        records.put_site(session, code, values, now=NOW, actor="test", default_tz="UTC")
    for user, emp in world.employees.items():
        records.put_employee(session, user, {"display_name": user, **emp}, now=NOW)
    for action, feature in world.features.items():
        feature_records.put_feature(session, action, feature, now=NOW)
    session.commit()


def send(session, events: list[dict]):
    result = ingest_batch(session, source="pos", events=events, now=NOW)
    session.commit()
    assert result.quarantined == 0, result.errors
    return result


def load_world(session, world: World, batches: int = 1) -> None:
    """Wipe, write master data, then ingest the events in `batches` consecutive batches."""
    wipe(session)
    load_master_data(session, world)
    size = max(1, math.ceil(len(world.events) / batches))
    for start in range(0, len(world.events), size):
        send(session, world.events[start : start + size])


def employee_ids(session) -> dict[str, int]:
    return dict(session.execute(select(Employee.external_id, Employee.id)).all())


def frame_by_user(session, first: date, last: date):
    ids = employee_ids(session)
    frame = score_frame(session, list(ids.values()), first, last, load_rules(session))
    names = {v: k for k, v in ids.items()}
    frame["user"] = frame["employee_id"].map(names)
    return frame


def rollup_rows(session) -> list[tuple]:
    du = DailyUsage
    session.expire_all()
    return session.execute(
        select(
            du.employee_id,
            du.site_id,
            du.feature_id,
            du.local_day,
            du.successes,
            du.errors,
            du.dur_n,
            du.dur_log_sum,
        ).order_by(du.employee_id, du.site_id, du.feature_id, du.local_day)
    ).all()


CONFIG_CHANGES = st.none() | st.builds(
    lambda tuned, weights: {**tuned, **weights},
    st.fixed_dictionaries(
        {
            "window_days": st.integers(1, 35),
            "min_core_attempts": st.integers(0, 25),
            "breadth_min_successes": st.integers(1, 4),
            "developing_at": st.sampled_from([30.0, 40.0]),
            "proficient_at": st.sampled_from([60.0, 70.0]),
        }
    ),
    st.sampled_from([{}, {"w_breadth": 0.45, "w_consistency": 0.10}]),
)


@settings(SLOW_DB, max_examples=40)
@given(world=worlds(), as_of=AS_OF, changes=CONFIG_CHANGES)
def test_scores_levels_and_components_equal_the_reference(session, world, as_of, changes):
    load_world(session, world)
    if changes:
        create_rules(session, changes, now=NOW, actor="test")
        session.commit()
    ref = Reference(world, Rules(**(changes or {})))
    ids = employee_ids(session)
    frame = frame_by_user(session, as_of, as_of).set_index("user")
    since = proficient_since_map(session, list(ids.values()), as_of, load_rules(session))
    for user in ref.homes:
        if user not in ids:  # a stranger without events was never registered
            continue
        row, want = frame.loc[user], ref.components(user, as_of)
        for key in ("breadth", "accuracy", "speed", "consistency"):
            assert math.isclose(row[key], want[key], abs_tol=1e-9), (user, key)
        assert row["core_attempts"] == want["core_attempts"], user
        want_score = ref.score(user, as_of)
        if want_score is None:  # Not started: NaN in the frame
            assert math.isnan(row["score"]) and row["core_attempts"] == 0, user
        else:
            assert row["score"] == float(want_score), user
        assert row["level"] == ref.level(user, as_of), user
        assert since[ids[user]] == ref.proficient_since(user, as_of), user


@SLOW_DB
@given(world=worlds())
def test_every_daily_score_lies_between_0_and_100(session, world):
    load_world(session, world)
    frame = frame_by_user(session, _day(-2), _day(45))
    started = frame["core_attempts"] > 0
    assert frame["score"][started].between(0, 100).all()
    assert frame["score"][~started].isna().all()  # Not started: no score
    for key in ("breadth", "accuracy", "speed", "consistency"):
        assert frame[key].between(0, 1).all(), key


@SLOW_DB
@given(
    world=worlds(),
    as_of=AS_OF,
    pick=st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 45 * 1440)),
    duration=st.none() | st.integers(0, 20_000),
)
def test_one_more_core_success_never_lowers_breadth_or_accuracy(
    session, world, as_of, pick, duration
):
    load_world(session, world)
    core = Reference(world).core_features()
    user = list(world.employees)[pick[0] % len(world.employees)]
    before = frame_by_user(session, as_of, as_of).set_index("user").loc[user]
    extra = {
        "event_id": "extra",
        "user_id": user,
        "site_id": world.employees[user]["site_id"],
        "action": core[pick[1] % len(core)],
        "occurred_at": (BASE + timedelta(minutes=pick[2] - 1440)).isoformat(),
        "outcome": "success",
    }
    if duration is not None:
        extra["duration_ms"] = duration
    send(session, [extra])
    after = frame_by_user(session, as_of, as_of).set_index("user").loc[user]
    assert after["breadth"] >= before["breadth"]
    assert after["accuracy"] >= before["accuracy"]


@SLOW_DB
@given(world=worlds(), cut=st.integers(0, 60), as_of=AS_OF)
def test_resending_the_same_events_changes_nothing(session, world, cut, as_of):
    load_world(session, world)
    rows = rollup_rows(session)
    scores = frame_by_user(session, as_of - timedelta(days=3), as_of)
    again = list(reversed(world.events))
    first = send(session, again[:cut])
    second = send(session, again[cut:])
    assert first.accepted + second.accepted == 0
    assert first.duplicates + second.duplicates == len(world.events)
    assert rollup_rows(session) == rows
    assert frame_by_user(session, as_of - timedelta(days=3), as_of).equals(scores)


@SLOW_DB
@given(world=worlds(), batches=st.integers(1, 6))
def test_rebuilding_rollups_after_incremental_ingest_gives_the_same_rows(session, world, batches):
    load_world(session, world, batches=batches)
    incremental = rollup_rows(session)
    rebuild_rollups(session)
    session.commit()
    rebuilt = rollup_rows(session)
    assert [r[:7] for r in rebuilt] == [r[:7] for r in incremental]
    for new, old in zip(rebuilt, incremental, strict=True):
        assert math.isclose(new[7], old[7], rel_tol=1e-12, abs_tol=1e-12)
