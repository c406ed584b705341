"""What HR reviews of one champion month, as one read model: the champions of a version, its
stored versions, and whether it may close now (`rewards.champions.periods.month_status`).

The JSON API (`GET /api/v1/champions/{month}`), the CLI (`uptake champions show`) and HR's page
all read a month through `month_review`, and close it through `close_for_review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import Month
from adoption.models import Employee, Site
from rewards.champions import months, periods


@dataclass(frozen=True)
class MonthReview:
    """One version of a month (`version`, default the newest) as HR reviews it.

    - `champions`, `first_proficient`, `rules_version`, `status`, `closed_*`, `note`: the
      contract's champions object (`months.get_month`), site codes only.
    - `versions`: every stored version, oldest first (empty while never closed); `newest` the
      newest version number (1 while never closed); `is_newest`: this is it.
    - `running_sites`: codes of the sites where the month's last local day has not ended.
    - `can_close`: this version is the newest, a draft, and no site is running (`month_status`).
    - `can_reopen`: this version is the newest and closed (reopening is admin only: the caller's
      role decides the rest). `why`: `month_status`'s sentence on closing.
    """

    month: str
    version: int
    status: str
    closed_at: datetime | None
    closed_by: str | None
    note: str | None
    rules_version: str | None
    champions: list[dict]
    first_proficient: list[dict]
    versions: list[dict]
    newest: int
    is_newest: bool
    running_sites: list[str]
    can_close: bool
    can_reopen: bool
    why: str


def month_review(
    session: Session,
    month: Month,
    version: int | None = None,
    *,
    now: datetime,
    ineligible_roles: tuple[str, ...] = months.DEFAULT_INELIGIBLE,
) -> MonthReview:
    """The month's `version` (default: the newest); NotFound for a version never stored."""
    data = months.get_month(
        session, str(month), version, now=now, ineligible_roles=ineligible_roles
    )
    versions = periods.month_versions(session, str(month))
    status = periods.month_status(session, month, now)
    is_newest = data["version"] == status.version
    return MonthReview(
        month=str(month),
        version=data["version"],
        status=data["status"],
        closed_at=data["closed_at"],
        closed_by=data["closed_by"],
        note=data.get("note"),
        rules_version=data.get("rules_version"),
        champions=[_public(c) for c in data["champions"]],
        first_proficient=[_public(f) for f in data["first_proficient"]],
        versions=versions,
        newest=status.version,
        is_newest=is_newest,
        running_sites=status.running_sites,
        can_close=is_newest and status.can_close,
        can_reopen=is_newest and data["status"] == "closed",
        why=status.reason,
    )


def _public(entry: dict) -> dict:
    """An entry without database keys (`site_pk`): readers know sites by their codes."""
    return {k: v for k, v in entry.items() if not k.endswith("_pk")}


@dataclass(frozen=True)
class ClosedMonth:
    """The outcome of closing: the frozen `version`, and whether it `was_closed` already (then
    nothing changed)."""

    month: str
    version: int
    was_closed: bool


def close_for_review(
    session: Session,
    month: Month,
    *,
    now: datetime,
    actor: str,
    ineligible_roles: tuple[str, ...] = months.DEFAULT_INELIGIBLE,
) -> ClosedMonth:
    """`months.close_month`, saying whether the month was closed before (Conflict
    `month_not_over` while a site is still living its last day)."""
    before = periods.month_status(session, month, now)
    closed = months.close_month(
        session, str(month), now=now, actor=actor, ineligible_roles=ineligible_roles
    )
    return ClosedMonth(
        month=str(month), version=closed["version"], was_closed=before.status == "closed"
    )


def site_labels(session: Session) -> dict[str, tuple[str, str]]:
    """Every site's code → (name, time zone), for HR's month page."""
    rows = session.execute(select(Site.code, Site.name, Site.timezone))
    return {code: (name, zone) for code, name, zone in rows}


def employee_names(session: Session, codes: set[str]) -> dict[str, str]:
    """The current display name of each employee code (HR sees every name)."""
    if not codes:
        return {}
    rows = session.execute(
        select(Employee.external_id, Employee.display_name).where(Employee.external_id.in_(codes))
    )
    return dict(rows.all())
