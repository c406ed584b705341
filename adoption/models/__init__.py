"""ORM tables. Import from here: `from adoption.models import Site, Event`."""

from adoption.models.access import Account, ApiToken, account_site, token_site
from adoption.models.base import Base, UTCDateTime
from adoption.models.events import DailyUsage, Event, Quarantine
from adoption.models.masterdata import Employee, Feature, Site
from adoption.models.ops import AuditLog, JobRun

__all__ = [
    "Account",
    "ApiToken",
    "AuditLog",
    "Base",
    "DailyUsage",
    "Employee",
    "Event",
    "Feature",
    "JobRun",
    "Quarantine",
    "Site",
    "UTCDateTime",
    "account_site",
    "token_site",
]
