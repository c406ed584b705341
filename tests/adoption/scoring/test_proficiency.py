"""The proficiency score of DESIGN.md "Definitions", on hand-computed fixtures.

Every fixture goes through the real ingest path (master data via adoption.masterdata.records,
events via
ingest_batch) and is checked twice: against the numbers worked out in the comment, and against
the naive reference in tests/adoption/reference.py (which keeps the reference honest too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from adoption.ingest.batch import ingest_batch
from adoption.masterdata import feature_records, records
from adoption.models import Event
from adoption.scoring import proficiency
from adoption.scoring.components import score_frame, score_or_none
from adoption.scoring.rules import create_rules, load_rules
from tests.adoption.reference import Reference, Rules, World

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AS_OF = date(2026, 11, 15)  # its 28-day window is [2026-10-19, 2026-11-15]
COMPONENTS = ("breadth", "accuracy", "speed", "consistency")


def at(day: date, hour: int = 12, minute: int = 0, tz: str = "UTC") -> str:
    """An RFC 3339 instant for a wall-clock time on a local day."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).isoformat()


class Scenario:
    """Master data and events written through the domain, mirrored as a reference World.

    Master data is flushed; each `send` is one ingested batch and one commit.
    """

    def __init__(self, session, source: str = "pos"):
        self.session = session
        self.source = source
        self.world = World()
        self.count = 0

    def site(self, code: str, tz: str = "UTC", **values) -> Scenario:
        records.put_site(
            self.session,
            code,
            {"name": f"Store {code}", "timezone": tz, **values},
            now=NOW,
            actor="test",
            default_tz="UTC",
        )
        self.world.sites.setdefault(code, {}).update({"timezone": tz, **values})
        return self

    def person(self, user_id: str, site: str, **values) -> Scenario:
        records.put_employee(
            self.session,
            user_id,
            {"display_name": f"Person {user_id}", "site_id": site, **values},
            now=NOW,
        )
        self.world.employees.setdefault(user_id, {}).update({"site_id": site, **values})
        return self

    def feature(self, action: str, **values) -> Scenario:
        feature_records.put_feature(self.session, action, values, now=NOW)
        self.world.features.setdefault(action, {}).update(values)
        return self

    def ev(
        self,
        user: str,
        action: str,
        when: date | str,
        *,
        site: str | None = None,
        outcome: str = "success",
        duration_ms: int | None = None,
        times: int = 1,
    ) -> list[dict]:
        """`times` events; a date means noon local time at the event's site."""
        site = site or self.world.employees[user]["site_id"]
        if isinstance(when, date):
            when = at(when, tz=self.world.sites[site]["timezone"])
        out = []
        for _ in range(times):
            self.count += 1
            event = {
                "event_id": f"ev-{self.count}",
                "user_id": user,
                "site_id": site,
                "action": action,
                "occurred_at": when,
                "outcome": outcome,
            }
            if duration_ms is not None:
                event["duration_ms"] = duration_ms
            out.append(event)
        return out

    def send(self, *groups: list[dict], now: datetime = NOW):
        events = [e for group in groups for e in group]
        result = ingest_batch(self.session, source=self.source, events=events, now=now)
        self.session.commit()
        assert result.quarantined == 0, result.errors
        self.world.events.extend(events)
        return result

    def reference(self, rules: Rules | None = None) -> Reference:
        return Reference(self.world, rules)

    def score(self, user: str, as_of: date, version: int | None = None) -> dict:
        """The implementation's figures for one person and day (score_frame)."""
        rules = load_rules(self.session, version)
        emp = records.get_employee(self.session, user)
        row = score_frame(self.session, [emp.id], as_of, as_of, rules).iloc[0]
        return {
            **{k: float(row[k]) for k in COMPONENTS},
            "score": score_or_none(row["score"]),
            "level": str(row["level"]),
            "core_attempts": int(row["core_attempts"]),
        }

    def since(self, user: str, as_of: date) -> date | None:
        emp = records.get_employee(self.session, user)
        rules = load_rules(self.session)
        return proficiency.proficient_since_map(self.session, [emp.id], as_of, rules)[emp.id]


def check(scn: Scenario, user: str, as_of: date, **expected) -> None:
    """The implementation and the reference both give the hand-computed figures."""
    got = scn.score(user, as_of)
    ref = scn.reference()
    ref_score = ref.score(user, as_of)
    mirror = {**ref.components(user, as_of), "score": ref_score and float(ref_score)}
    mirror["level"] = ref.level(user, as_of)
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, abs=1e-9), f"implementation {key}"
            assert mirror[key] == pytest.approx(value, abs=1e-9), f"reference {key}"
        else:
            assert got[key] == value, f"implementation {key}"
            assert mirror[key] == value, f"reference {key}"


@pytest.fixture
def scn(session) -> Scenario:
    return Scenario(session)


@pytest.fixture
def catalog(scn) -> Scenario:
    """Site S1 (UTC) with employees A and B; five core features and two others.

    core: pos.sale (expected 1000 ms), pos.refund (2000), pos.price (4000), inv.count (500),
    pos.void (no expected_ms); non-core: pos.login (expected 100); pos.refund.v2 → pos.refund.
    """
    scn.site("S1").person("A", "S1").person("B", "S1")
    scn.feature("pos.sale", is_core=True, expected_ms=1000)
    scn.feature("pos.refund", is_core=True, expected_ms=2000)
    scn.feature("pos.price", is_core=True, expected_ms=4000)
    scn.feature("inv.count", is_core=True, expected_ms=500)
    scn.feature("pos.void", is_core=True)
    scn.feature("pos.login", is_core=False, expected_ms=100)
    scn.feature("pos.refund.v2", alias_of="pos.refund")
    return scn


@pytest.fixture
def one_core(scn) -> Scenario:
    """Site S1 (UTC), employees A and B, one core feature pos.sale (expected 1000 ms)."""
    scn.site("S1").person("A", "S1").person("B", "S1")
    scn.feature("pos.sale", is_core=True, expected_ms=1000)
    scn.feature("pos.login", is_core=False)
    return scn


# ---- breadth -------------------------------------------------------------------------------


def test_breadth_counts_core_features_with_three_successes_including_aliases(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, times=3),  # 3 successes → mastered
        e("A", "pos.refund", AS_OF),  # 1 + 2 through the alias = 3 → mastered
        e("A", "pos.refund.v2", AS_OF, times=2),
        e("A", "pos.void", AS_OF, times=2),  # 2 successes (< 3) → not mastered
        e("A", "pos.void", AS_OF, outcome="error", times=5),  # errors never count
        e("A", "pos.login", AS_OF, times=9),  # not core → ignored
    )
    # breadth = |{sale, refund}| ÷ 5 core features = 0.4
    check(catalog, "A", AS_OF, breadth=0.4)


def test_an_alias_mapped_after_the_events_still_counts_toward_its_feature(catalog):
    e = catalog.ev
    catalog.send(e("A", "pos.refund", AS_OF), e("A", "pos.refund.v3", AS_OF, times=2))
    # pos.refund.v3 arrives unmapped: refund has 1 success → breadth 0
    check(catalog, "A", AS_OF, breadth=0.0)
    catalog.feature("pos.refund.v3", alias_of="pos.refund")
    catalog.session.commit()
    # mapped: 1 + 2 = 3 refund successes → 1 of 5 core features
    check(catalog, "A", AS_OF, breadth=0.2, core_attempts=3)


def test_breadth_is_zero_without_core_features(scn):
    scn.site("S1").person("A", "S1").feature("pos.login", is_core=False)
    scn.send(scn.ev("A", "pos.login", AS_OF, times=5))
    check(scn, "A", AS_OF, breadth=0.0)


# ---- accuracy ------------------------------------------------------------------------------


def test_accuracy_is_smoothed_so_one_lucky_try_is_two_thirds(catalog):
    catalog.send(catalog.ev("A", "pos.sale", AS_OF))
    # (1 + 1) ÷ (1 + 0 + 2) = 2/3, not 1
    check(catalog, "A", AS_OF, accuracy=2 / 3, core_attempts=1)


def test_accuracy_counts_core_errors_and_ignores_other_features(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, times=5),
        e("A", "pos.refund.v2", AS_OF, outcome="error", times=2),  # core through the alias
        e("A", "pos.void", AS_OF, outcome="error"),
        e("A", "pos.login", AS_OF, outcome="error", times=7),  # not core → ignored
        e("A", "pos.unmapped.thing", AS_OF, outcome="error", times=3),  # unknown → non-core
    )
    # s = 5, e = 3 → (5 + 1) ÷ (5 + 3 + 2) = 0.6
    check(catalog, "A", AS_OF, accuracy=0.6, core_attempts=8)


# ---- speed ---------------------------------------------------------------------------------


def test_speed_uses_the_geometric_mean_of_successful_durations(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, duration_ms=500),
        e("A", "pos.sale", AS_OF, duration_ms=4000),
        e("A", "pos.sale", AS_OF, duration_ms=1, outcome="error"),  # errors are not timed
    )
    # GM = √(500 · 4000) = √2,000,000 = 1414.21 ms → r = 1000 ÷ 1414.21 = 0.70711 (1/√2);
    # the arithmetic mean (2250 ms) would give 0.444
    check(catalog, "A", AS_OF, speed=2**-0.5)


def test_speed_ratio_is_capped_at_one(catalog):
    catalog.send(catalog.ev("A", "pos.sale", AS_OF, duration_ms=250))
    # r = min(1, 1000 ÷ 250 = 4) = 1
    check(catalog, "A", AS_OF, speed=1.0)


def test_speed_is_the_mean_of_the_middle_two_ratios_for_an_even_count(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, duration_ms=4000),  # 1000 ÷ 4000 = 0.25
        e("A", "pos.refund", AS_OF, duration_ms=2500),  # 2000 ÷ 2500 = 0.8
        e("A", "pos.price", AS_OF, duration_ms=8000),  # 4000 ÷ 8000 = 0.5
        e("A", "inv.count", AS_OF, duration_ms=250),  # min(1, 500 ÷ 250) = 1
    )
    # sorted [0.25, 0.5, 0.8, 1] → (0.5 + 0.8) ÷ 2 = 0.65
    check(catalog, "A", AS_OF, speed=0.65)


def test_speed_is_one_half_when_no_core_feature_has_a_timed_success(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, times=4),  # no duration
        e("A", "pos.refund", AS_OF, outcome="error", duration_ms=100),  # an error
        e("A", "pos.void", AS_OF, duration_ms=10),  # core but no expected_ms
        e("A", "pos.login", AS_OF, duration_ms=10_000),  # timed, but not core
    )
    check(catalog, "A", AS_OF, speed=0.5)


def test_speed_ignores_core_features_without_expected_ms(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF, duration_ms=4000),  # 1000 ÷ 4000 = 0.25
        e("A", "pos.void", AS_OF, duration_ms=1),  # no expected_ms → not a ratio
    )
    # median of [0.25] = 0.25 (with pos.void as a ratio of 1 it would be 0.625)
    check(catalog, "A", AS_OF, speed=0.25)


def test_speed_counts_a_zero_duration_as_ln_one(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "inv.count", AS_OF, duration_ms=0),
        e("A", "inv.count", AS_OF, duration_ms=4_000_000),
    )
    # GM = exp((ln 1 + ln 4,000,000) ÷ 2) = 2000 → r = 500 ÷ 2000 = 0.25
    # (dropping the 0 would give 0.000125; ln 0 = −∞ would give 1)
    check(catalog, "A", AS_OF, speed=0.25)


# ---- consistency ---------------------------------------------------------------------------


def test_consistency_counts_home_site_days_while_employed_and_activity_anywhere(scn):
    scn.site("S1").site("S2").feature("pos.sale", is_core=True)
    scn.person("A", "S1", hired_on=date(2026, 11, 6)).person("B", "S1")
    e = scn.ev
    scn.send(
        *(e("B", "pos.sale", date(2026, 11, d)) for d in (1, 8, 9, 10, 12)),
        e("A", "pos.sale", date(2026, 11, 10)),
        e("A", "pos.sale", date(2026, 11, 12), site="S2"),
        e("A", "pos.sale", date(2026, 11, 13), site="S2"),
    )
    # S1 active on 11-01, 08, 09, 10, 12; A hired 11-06 → S = {08, 09, 10, 12} (|S| = 4)
    # A active (any site) on 10, 12, 13 → A ∩ S = {10, 12} → 2 ÷ 4 = 0.5
    # (counting 11-01 gives 0.4; home-site activity only 0.25; A's S2 days in S 0.6)
    check(scn, "A", AS_OF, consistency=0.5)


def test_consistency_is_zero_when_nobody_was_active_at_home(scn):
    scn.site("S1").site("S2").feature("pos.sale", is_core=True).person("A", "S1")
    scn.send(scn.ev("A", "pos.sale", AS_OF, site="S2", times=3))
    # S = ∅ → 0 (A was active, but only at S2)
    check(scn, "A", AS_OF, consistency=0.0)


# ---- window and local days -----------------------------------------------------------------


def test_window_includes_as_of_minus_27_and_excludes_as_of_minus_28(catalog):
    e = catalog.ev
    catalog.send(
        e("A", "pos.sale", AS_OF - timedelta(days=28)),  # 10-18: outside
        e("A", "pos.sale", AS_OF - timedelta(days=27)),  # 10-19: inside
        e("A", "pos.sale", AS_OF, times=2),
    )
    # 3 sale successes in [10-19, 11-15] → breadth 1/5 = 0.2, accuracy 4/5 = 0.8
    check(catalog, "A", AS_OF, breadth=0.2, accuracy=0.8, core_attempts=3)


def test_window_moves_with_as_of(catalog):
    e = catalog.ev
    catalog.send(e("A", "pos.sale", AS_OF - timedelta(days=27)), e("A", "pos.sale", AS_OF, times=2))
    # as_of 11-16 → window [10-20, 11-16]: 10-19 has left → 2 successes → breadth 0, 3/4
    check(catalog, "A", AS_OF + timedelta(days=1), breadth=0.0, accuracy=0.75, core_attempts=2)


def test_local_day_comes_from_the_site_timezone_near_midnight(scn):
    scn.site("BER", "Europe/Berlin").site("NYC", "America/New_York")
    scn.person("A", "BER").feature("pos.sale", is_core=True)
    e = scn.ev
    scn.send(
        e("A", "pos.sale", "2026-10-18T22:30:00Z", site="BER"),  # 10-19 00:30 CEST → in
        e("A", "pos.sale", "2026-11-15T12:00:00Z", site="BER"),  # 11-15 13:00 CET → in
        e("A", "pos.sale", "2026-11-16T04:30:00Z", site="NYC"),  # 11-15 23:30 EST → in
        e("A", "pos.sale", "2026-10-19T03:30:00Z", site="NYC"),  # 10-18 23:30 EDT → out
        e("A", "pos.sale", "2026-11-15T23:30:00Z", site="BER", outcome="error"),  # 11-16 → out
    )
    days = scn.session.scalars(select(Event.local_day).order_by(Event.id)).all()
    assert days == [
        date(2026, 10, 19),
        date(2026, 11, 15),
        date(2026, 11, 15),
        date(2026, 10, 18),
        date(2026, 11, 16),
    ]
    # local days: 3 successes, 0 errors in the window → breadth 1, accuracy 4/5
    # (UTC days would give 2 successes and 1 error → breadth 0, accuracy 3/5)
    check(scn, "A", AS_OF, breadth=1.0, accuracy=0.8, core_attempts=3)


# ---- the total and the levels ----------------------------------------------------------------


def test_score_weights_the_unrounded_components(catalog):
    e = catalog.ev
    d10, d14 = date(2026, 11, 10), date(2026, 11, 14)
    catalog.send(
        e("A", "pos.sale", AS_OF, duration_ms=500),
        e("A", "pos.sale", AS_OF, duration_ms=2000),
        e("A", "pos.sale", d14, duration_ms=1000, times=2),
        e("A", "pos.refund", d10, duration_ms=4000, times=2),
        e("A", "pos.refund.v2", d10),
        e("A", "pos.price", AS_OF, duration_ms=5000, times=2),
        e("A", "pos.void", d14, times=3),
        e("A", "pos.void", d14, outcome="error", times=2),
        e("A", "pos.login", AS_OF, times=5),
        e("B", "pos.login", date(2026, 11, 12)),
        e("B", "pos.login", d14),
    )
    # breadth: sale 4, refund 2 + 1 alias, void 3 → 3 of 5 = 0.6 (price has 2)
    # accuracy: s = 4 + 3 + 2 + 3 = 12, e = 2 → 13 ÷ 16 = 0.8125
    # speed: sale GM ⁴√(500·2000·1000·1000) = 1000 → 1; refund 2000 ÷ 4000 = 0.5;
    #        price 4000 ÷ 5000 = 0.8 → median of [0.5, 0.8, 1] = 0.8
    # consistency: S1 active 11-10, 12, 14, 15; A on 10, 14, 15 → 3 ÷ 4 = 0.75
    # score = 35·0.6 + 25·0.8125 + 20·0.8 + 20·0.75 = 21 + 20.3125 + 16 + 15 = 72.3125 → 72.31
    # 14 core attempts < 20 → the level stops at Developing
    check(
        catalog,
        "A",
        AS_OF,
        breadth=0.6,
        accuracy=0.8125,
        speed=0.8,
        consistency=0.75,
        score=72.31,
        core_attempts=14,
        level="Developing",
    )


def _seventy_five(scn: Scenario, errors: int) -> None:
    """A: 13 sale successes (500 ms) and `errors` errors on AS_OF; B active 4 other days."""
    e = scn.ev
    scn.send(
        e("A", "pos.sale", AS_OF, duration_ms=500, times=13),
        e("A", "pos.sale", AS_OF, outcome="error", times=errors),
        *(e("B", "pos.login", AS_OF - timedelta(days=k)) for k in (1, 2, 3, 4)),
    )


def test_a_75_score_with_19_core_attempts_is_developing(one_core):
    _seventy_five(one_core, errors=6)
    # b = 1, a = 14/21, s = 1, c = 1/5 (S1 active 5 days, A on 1)
    # 35 + 25·14/21 + 20 + 4 = 75.667 → 75.67, but 13 + 6 = 19 attempts < 20 → Developing
    check(one_core, "A", AS_OF, score=75.67, core_attempts=19, level="Developing")


def test_a_75_score_with_20_core_attempts_is_proficient(one_core):
    _seventy_five(one_core, errors=7)
    # 35 + 25·14/22 + 20 + 4 = 74.909 → 74.91, 20 attempts → Proficient
    check(one_core, "A", AS_OF, score=74.91, core_attempts=20, level="Proficient")


def test_a_score_of_85_is_expert(one_core):
    e = one_core.ev
    one_core.send(
        e("A", "pos.sale", AS_OF, duration_ms=500, times=9),
        e("A", "pos.sale", AS_OF, outcome="error", times=14),
    )
    # b = 1, a = 10/25 = 0.4, s = 1, c = 1 → 35 + 10 + 20 + 20 = 85.00 (float 84.99999999999999)
    check(one_core, "A", AS_OF, score=85.0, core_attempts=23, level="Expert")


def test_a_raw_69_995_rounds_half_up_to_70_and_is_proficient(one_core):
    one_core.feature("pos.sale", expected_ms=4748)
    e = one_core.ev
    one_core.send(
        e("A", "pos.sale", AS_OF, duration_ms=8000),
        e("A", "pos.sale", AS_OF, times=2),
        e("A", "pos.sale", AS_OF, outcome="error", times=27),
    )
    # b = 1, a = 4/32 = 0.125, s = 4748 ÷ 8000 = 0.5935, c = 1
    # 35 + 3.125 + 11.87 + 20 = 69.995 (float repr '69.995') → 70.00 → Proficient (30 attempts)
    check(one_core, "A", AS_OF, speed=0.5935, score=70.0, core_attempts=30, level="Proficient")


def test_score_rounds_half_up_the_value_not_its_float_noise(scn):
    scn.site("S1").person("A", "S1").feature("pos.void", is_core=True)
    e = scn.ev
    scn.send(e("A", "pos.void", AS_OF, times=13), e("A", "pos.void", AS_OF, outcome="error"))
    # b = 1, a = 14/16 = 0.875, s = 0.5 (no expected_ms), c = 1: exactly 35 + 21.875 + 10 + 20
    # = 86.875, computed in floats as 86.87499999999999: half-up of the value meant is 86.88
    check(scn, "A", AS_OF, score=86.88)


def test_a_half_cent_tie_in_float_noise_still_rounds_up_to_proficient(one_core):
    one_core.feature("pos.sale", expected_ms=4998)
    e = one_core.ev
    one_core.send(
        e("A", "pos.sale", AS_OF, duration_ms=8000),
        e("A", "pos.sale", AS_OF, times=9),
        e("A", "pos.sale", AS_OF, outcome="error", times=10),
        e("B", "pos.login", AS_OF - timedelta(days=1)),
    )
    # b = 1, a = 11/22 = 0.5, s = 4998 ÷ 8000 = 0.62475, c = 1/2:
    # exactly 35 + 12.5 + 12.495 + 10 = 69.995 (the float is 69.99499999999999) → 70.00,
    # Proficient with 20 core attempts
    check(one_core, "A", AS_OF, score=70.0, core_attempts=20, level="Proficient")


# ---- proficient since ----------------------------------------------------------------------


def test_proficient_since_is_the_earliest_day_and_never_resets(one_core):
    e = one_core.ev
    one_core.send(
        e("A", "pos.sale", date(2026, 10, 1), duration_ms=500, times=10),
        e("A", "pos.sale", date(2026, 10, 2), duration_ms=500, times=10),
    )
    # 10-01: 10 attempts → Developing (97.92); 10-02: 20 attempts, 35 + 25·21/22 + 20 + 20
    # = 98.86 → Expert. On 11-15 the window [10-19, 11-15] is empty: no core attempt, so no
    # score and Not started (the components would add to 12.5 + 10 = 22.50).
    check(one_core, "A", date(2026, 10, 1), score=97.92, level="Developing")
    check(one_core, "A", date(2026, 10, 2), score=98.86, level="Expert")
    check(one_core, "A", AS_OF, score=None, level="Not started", core_attempts=0)
    assert one_core.since("A", AS_OF) == date(2026, 10, 2)
    assert one_core.reference().proficient_since("A", AS_OF) == date(2026, 10, 2)
    assert one_core.since("A", date(2026, 10, 1)) is None


def test_proficient_since_checks_days_without_events(one_core):
    e = one_core.ev
    one_core.send(
        e("A", "pos.sale", date(2026, 10, 1), duration_ms=500, times=20),
        e("A", "pos.sale", date(2026, 10, 1), outcome="error", times=20),
        *(e("B", "pos.login", date(2026, 9, d)) for d in range(20, 29)),
    )
    # A: b = 1, a = 21/42 = 0.5, s = 1 → 67.5 + 20c with c = 1 ÷ |S|, S = B's days ∪ {10-01}
    # 10-18: window from 09-21 → |S| = 8 + 1 = 9 → 69.72, Developing
    # 10-19: window from 09-22 → |S| = 7 + 1 = 8 → 67.5 + 2.5 = 70.00, Proficient — no event
    check(one_core, "A", date(2026, 10, 18), score=69.72, level="Developing")
    check(one_core, "A", date(2026, 10, 19), score=70.0, level="Proficient")
    assert one_core.since("A", AS_OF) == date(2026, 10, 19)
    assert one_core.reference().proficient_since("A", AS_OF) == date(2026, 10, 19)


# ---- configuration versions ----------------------------------------------------------------


def _expert(scn: Scenario) -> None:
    e = scn.ev
    scn.send(
        e("A", "pos.sale", AS_OF, duration_ms=500, times=9),
        e("A", "pos.sale", AS_OF, outcome="error", times=14),
    )


def test_a_new_config_version_changes_the_score_and_is_named(one_core):
    _expert(one_core)
    rules = create_rules(
        one_core.session, {"w_breadth": 0.5, "w_accuracy": 0.1}, now=NOW, actor="test"
    )
    one_core.session.commit()
    assert rules.version == 2
    # v2: 100·(0.5·1 + 0.1·0.4 + 0.2·1 + 0.2·1) = 50 + 4 + 20 + 20 = 94.00
    emp = records.get_employee(one_core.session, "A")
    got = proficiency.employee_proficiency(
        one_core.session, emp, AS_OF, load_rules(one_core.session)
    )
    assert (got["score"], got["level"], got["config_version"]) == (94.0, "Expert", 2)
    ref = one_core.reference(Rules(w_breadth=0.5, w_accuracy=0.1))
    assert float(ref.score("A", AS_OF)) == 94.0


def test_an_old_config_version_still_answers_with_its_own_numbers(one_core):
    _expert(one_core)
    create_rules(one_core.session, {"w_breadth": 0.5, "w_accuracy": 0.1}, now=NOW, actor="test")
    one_core.session.commit()
    emp = records.get_employee(one_core.session, "A")
    v1 = load_rules(one_core.session, 1)
    got = proficiency.employee_proficiency(one_core.session, emp, AS_OF, v1)
    # v1: 35 + 10 + 20 + 20 = 85.00
    assert (got["score"], got["config_version"]) == (85.0, 1)
    assert one_core.score("A", AS_OF, version=1)["score"] == 85.0
