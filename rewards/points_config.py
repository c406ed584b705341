"""The versioned points configuration (docs/metrics.md "Points"): the game's settings that apply
to everyone. Points per feature and daily caps stay on the feature catalog; ledger rows name
the version they were booked under. The newest version is the active one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from rewards.models import PointsConfig

TUNABLE = (
    "void_window_hours",
    "award_cap_per_month",
    "kudos_points",
    "colleague_kudos",
    "rookie_days",
    "rookie_division",
    "display_names",
)
LIMITS = {
    "void_window_hours": (0, 24 * 31),
    "award_cap_per_month": (0, 100_000),
    "kudos_points": (0, 1000),
    "rookie_days": (1, 365),
}


@dataclass(frozen=True)
class PointsRules:
    version: int
    void_window_hours: int = 0  # 0: points are confirmed at once
    award_cap_per_month: int = 100  # the most |points| of manual awards per person and month
    kudos_points: int = 0  # points a kudos carries (0: kudos carry none)
    colleague_kudos: bool = False  # colleagues may thank each other, not only managers
    rookie_days: int = 28  # hired this many days ago or fewer: a rookie
    rookie_division: bool = False  # boards may show rookies apart
    display_names: bool = False  # the store display shows names instead of aliases

    def as_dict(self) -> dict:
        return asdict(self)


def _rules(row: PointsConfig) -> PointsRules:
    return PointsRules(version=row.version, **{k: getattr(row, k) for k in TUNABLE})


def load_points_rules(session: Session, version: int | None = None) -> PointsRules:
    """The asked-for version, or the active (newest) one."""
    if version is None:
        version = session.scalar(select(func.max(PointsConfig.version)))
    row = session.get(PointsConfig, version) if version is not None else None
    if row is None:
        raise NotFound(f"No points config version {version}.", {"config_version": version})
    return _rules(row)


def list_points_rules(session: Session) -> list[PointsRules]:
    rows = session.scalars(select(PointsConfig).order_by(PointsConfig.version))
    return [_rules(r) for r in rows]


def create_points_rules(
    session: Session, changes: dict, *, now: datetime, actor: str
) -> PointsRules:
    """A new version from the active one plus `changes`, audited; ledger rows keep theirs."""
    unknown = set(changes) - set(TUNABLE)
    if unknown:
        raise Invalid({k: ["Unknown field."] for k in sorted(unknown)})
    current = load_points_rules(session)
    values = {**{k: getattr(current, k) for k in TUNABLE}, **changes}
    errors = {
        key: [f"Must be between {low} and {high}."]
        for key, (low, high) in LIMITS.items()
        if not low <= int(values[key]) <= high
    }
    if errors:
        raise Invalid(errors)
    row = PointsConfig(version=current.version + 1, created_at=now, created_by=actor, **values)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="points_config.create",
        target_type="points_config",
        target=str(row.version),
        now=now,
        details={"changes": changes, "previous": current.version},
    )
    return _rules(row)
