"""The versioned scoring configuration: weights, level thresholds, window, minimum evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption import audit
from adoption.errors import Invalid, NotFound
from adoption.models import ScoringConfig

LEVELS = ("Novice", "Developing", "Proficient", "Expert")
# DESIGN "Not started": no core attempts in the window, so no score (null) and no level of LEVELS.
NOT_STARTED = "Not started"
PROFICIENT_LEVELS = frozenset({"Proficient", "Expert"})
TUNABLE = (
    "w_breadth",
    "w_accuracy",
    "w_speed",
    "w_consistency",
    "developing_at",
    "proficient_at",
    "expert_at",
    "window_days",
    "min_core_attempts",
    "breadth_min_successes",
)


@dataclass(frozen=True)
class ScoringRules:
    version: int
    w_breadth: float = 0.35
    w_accuracy: float = 0.25
    w_speed: float = 0.20
    w_consistency: float = 0.20
    developing_at: float = 40.0
    proficient_at: float = 70.0
    expert_at: float = 85.0
    window_days: int = 28
    min_core_attempts: int = 20
    breadth_min_successes: int = 3

    def as_dict(self) -> dict:
        return asdict(self)

    def level_thresholds(self) -> dict[str, float]:
        """The score at which each level above Novice starts, in level order. Proficient and
        Expert (PROFICIENT_LEVELS) also need `min_core_attempts` core attempts in the window."""
        return {
            "Developing": self.developing_at,
            "Proficient": self.proficient_at,
            "Expert": self.expert_at,
        }


def _rules(row: ScoringConfig) -> ScoringRules:
    return ScoringRules(version=row.version, **{k: getattr(row, k) for k in TUNABLE})


def load_rules(session: Session, version: int | None = None) -> ScoringRules:
    """The asked-for version, or the active (newest) one."""
    if version is None:
        version = session.scalar(select(func.max(ScoringConfig.version)))
    row = session.get(ScoringConfig, version) if version is not None else None
    if row is None:
        raise NotFound(f"No scoring config version {version}.", {"config_version": version})
    return _rules(row)


def list_rules(session: Session) -> list[ScoringRules]:
    rows = session.scalars(select(ScoringConfig).order_by(ScoringConfig.version))
    return [_rules(r) for r in rows]


def create_rules(session: Session, changes: dict, *, now: datetime, actor: str) -> ScoringRules:
    """A new version from the active one plus `changes`; stored scores keep naming theirs."""
    unknown = set(changes) - set(TUNABLE)
    if unknown:
        raise Invalid({k: ["Unknown field."] for k in sorted(unknown)})
    current = load_rules(session)
    values = {**{k: getattr(current, k) for k in TUNABLE}, **changes}
    _check(values)
    row = ScoringConfig(version=current.version + 1, created_at=now, created_by=actor, **values)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="scoring_config.create",
        target_type="scoring_config",
        target=str(row.version),
        now=now,
        details={"changes": changes, "previous": current.version},
    )
    return _rules(row)


def _check(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    weights = [values[k] for k in ("w_breadth", "w_accuracy", "w_speed", "w_consistency")]
    if any(w < 0 for w in weights) or abs(sum(weights) - 1.0) > 1e-9:
        errors["weights"] = ["Weights must be ≥ 0 and sum to 1."]
    if not 0 <= values["developing_at"] <= values["proficient_at"] <= values["expert_at"] <= 100:
        errors["thresholds"] = ["Need 0 ≤ developing_at ≤ proficient_at ≤ expert_at ≤ 100."]
    for key in ("window_days", "breadth_min_successes"):
        if int(values[key]) < 1:
            errors[key] = ["Must be at least 1."]
    if int(values["min_core_attempts"]) < 0:
        errors["min_core_attempts"] = ["Must be at least 0."]
    if errors:
        raise Invalid(errors)
