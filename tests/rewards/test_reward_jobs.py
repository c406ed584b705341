"""The rewards jobs: closing the previous month on its day and hour at every site, and badges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from adoption.config import Settings
from adoption.errors import Invalid
from api.cli.main import main
from rewards.champions.months import close_month, reopen_month
from rewards.jobs import award_badges_job, close_previous_month_job
from rewards.models import ChampionPeriod
from tests.rewards.month_world import Month, utc

# 06:00 UTC on 11-03 is 22:00 on 11-02 in Los Angeles and 19:00 on 11-03 in Auckland.
DAY3_6AM_UTC = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)
# 14:00 UTC on 11-03 is 06:00 on 11-03 in Los Angeles (PST, UTC−8): due everywhere.
DAY3_6AM_LA = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def chain(session) -> Month:
    scn = Month(session).site("S1").site("LA", "America/Los_Angeles")
    scn.site("NZ", "Pacific/Auckland").person("E1", "S1").catalog()
    scn.work("E1").book("E1", 12, utc(14, 9))
    return scn


def run_close(scn: Month, now: datetime, **kwargs) -> dict:
    result = close_previous_month_job(scn.session, now=now, **kwargs)
    scn.session.commit()
    return result


def periods(scn: Month) -> list[tuple]:
    rows = scn.session.execute(
        select(ChampionPeriod.version, ChampionPeriod.status, ChampionPeriod.closed_by)
    )
    return list(rows)


def test_the_job_waits_until_day_three_six_am_at_every_site(chain):
    assert run_close(chain, DAY3_6AM_UTC) == {"month": "2026-10", "action": "not_due"}
    assert periods(chain) == []
    closed = run_close(chain, DAY3_6AM_LA)
    assert closed == {"month": "2026-10", "action": "closed", "version": 1}
    assert periods(chain) == [(1, "closed", "scheduler")]


def test_close_day_and_hour_are_parameters(chain):
    early = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # 03:00 on 11-01 in Los Angeles
    assert run_close(chain, early, close_day=1, close_hour=2)["action"] == "closed"


def test_a_month_hr_already_closed_is_left_alone(chain):
    close_month(chain.session, "2026-10", now=DAY3_6AM_UTC, actor="hr-ann")
    chain.session.commit()
    assert run_close(chain, DAY3_6AM_LA)["action"] == "already_closed"
    assert periods(chain) == [(1, "closed", "hr-ann")]


def test_a_reopened_month_waits_for_hr(chain):
    close_month(chain.session, "2026-10", now=DAY3_6AM_UTC, actor="hr-ann")
    reopen_month(chain.session, "2026-10", now=DAY3_6AM_UTC, actor="admin-al")
    chain.session.commit()
    assert run_close(chain, DAY3_6AM_LA)["action"] == "reopened_draft_left_for_hr"
    assert periods(chain)[-1] == (2, "draft", None)


def test_a_named_month_is_closed_now_like_hr_would(chain):
    result = run_close(chain, DAY3_6AM_UTC, month="2026-10")
    assert result == {"month": "2026-10", "action": "closed", "version": 1}
    assert run_close(chain, DAY3_6AM_UTC, month="2026-10")["action"] == "already_closed"


def test_the_badges_job_awards_up_to_the_earliest_yesterday(chain):
    # 03:00 UTC on 10-16: yesterday is 10-15 at S1 and in Auckland, 10-14 in Los Angeles
    result = award_badges_job(chain.session, now=datetime(2026, 10, 16, 3, 0, tzinfo=UTC))
    assert result["as_of"] == date(2026, 10, 14)
    assert result["awarded"]["proficient"] == 1  # E1: 20 attempts on 10-14


def test_uptake_jobs_run_close_month_closes_the_named_month(chain, runner):
    result = runner.invoke(main, ["jobs", "run", "close-month", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert '"action": "closed"' in result.output


def test_settings_read_the_close_moment_and_ineligible_roles():
    env = {
        "UPTAKE_CLOSE_DAY": "5",
        "UPTAKE_CLOSE_HOUR": "7",
        "UPTAKE_INELIGIBLE_ROLES": "Manager, admin",
    }
    settings = Settings.from_env(env)
    assert (settings.close_day, settings.close_hour) == (5, 7)
    assert settings.ineligible_roles == ("admin", "manager")
    defaults = Settings.from_env({})
    assert (defaults.close_day, defaults.close_hour, defaults.ineligible_roles) == (
        3,
        6,
        ("manager",),
    )


@pytest.mark.parametrize(
    ("name", "value"), [("UPTAKE_CLOSE_DAY", "29"), ("UPTAKE_CLOSE_HOUR", "x")]
)
def test_a_bad_close_moment_fails_start_up_with_its_name(name, value):
    with pytest.raises(Invalid) as caught:
        Settings.from_env({name: value})
    assert name in caught.value.details


def test_in_january_the_job_closes_december_of_the_year_before(session):
    scn = Month(session).site("S1").person("E1", "S1").catalog()
    scn.session.commit()
    result = run_close(scn, datetime(2027, 1, 3, 6, 0, tzinfo=UTC))
    assert result == {"month": "2026-12", "action": "closed", "version": 1}
