"""ORM tables. Import from here: `from adoption.models import Site, Event`."""

from adoption.models.access import Account, ApiToken, account_site, token_site
from adoption.models.base import Base, UTCDateTime
from adoption.models.events import DailyUsage, Event, Quarantine
from adoption.models.masterdata import Employee, Feature, Site
from adoption.models.ops import AuditLog, JobRun
from adoption.models.rewards import (
    BadgeAward,
    ChampionEntry,
    ChampionPeriod,
    PointsLedger,
    SiteFirstProficient,
)
from adoption.models.rollout import JobLock, ReadinessRule, Wave
from adoption.models.scoring import ScoreSnapshot, ScoringConfig

__all__ = [
    "Account",
    "ApiToken",
    "AuditLog",
    "BadgeAward",
    "Base",
    "ChampionEntry",
    "ChampionPeriod",
    "DailyUsage",
    "Employee",
    "Event",
    "Feature",
    "JobLock",
    "JobRun",
    "PointsLedger",
    "Quarantine",
    "ReadinessRule",
    "ScoreSnapshot",
    "ScoringConfig",
    "Site",
    "SiteFirstProficient",
    "UTCDateTime",
    "Wave",
    "account_site",
    "token_site",
]
