"""Core ORM tables. Import from here: `from adoption.models import Site, Event`.

Other packages own their tables (`adoption.identity.models`, `adoption.jobs.models`,
`rewards.models`, `pilots.models`); `all_models()` in `api` imports every one of them so the
metadata is complete for Alembic and the tests.
"""

from adoption.models.base import Base, UTCDateTime
from adoption.models.events import (
    DailyUsage,
    Event,
    EventKey,
    Quarantine,
    StorageHorizon,
    arrived_since,
)
from adoption.models.masterdata import Employee, Feature, QuickCard, Site
from adoption.models.ops import AccessLog, AuditLog, ReadModelGeneration
from adoption.models.scoring import ScoreSnapshot, ScoringConfig, SnapshotState

__all__ = [
    "AccessLog",
    "AuditLog",
    "Base",
    "DailyUsage",
    "Employee",
    "Event",
    "EventKey",
    "Feature",
    "Quarantine",
    "QuickCard",
    "ReadModelGeneration",
    "ScoreSnapshot",
    "ScoringConfig",
    "Site",
    "SnapshotState",
    "StorageHorizon",
    "UTCDateTime",
    "arrived_since",
]
