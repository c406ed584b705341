"""The features a person finds hard: /me lists them, each with its quick-reference card when
the feature has one.

Over the `WINDOW_DAYS` (28) local days ending on `last` (the home site's last complete day, as
the score), the person's core features with at least `MIN_ATTEMPTS` (5) tries and at least one
error, by error rate (errors ÷ tries) highest first, then more errors, then action; at most
`SHOWN` (3). Read from the daily rollups (any site the person worked at; aliases counted as
their feature, as every read model does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adoption.masterdata.cards import carded_actions, feature_title
from adoption.models import DailyUsage, Feature
from adoption.usage.coaching import STRUGGLING_MIN_ATTEMPTS

WINDOW_DAYS = 28
MIN_ATTEMPTS = STRUGGLING_MIN_ATTEMPTS  # below that, one unlucky try is not a pattern
SHOWN = 3


@dataclass(frozen=True)
class HardFeature:
    action: str
    title: str  # in the reader's locale (`feature_title`)
    errors: int
    attempts: int  # successes + errors
    error_rate: float
    has_card: bool  # a quick-reference card in some locale


def hard_features(session: Session, employee_id: int, last: date, locale: str) -> list[HardFeature]:
    """The person's hardest core features in the window ending on `last` (module docstring)."""
    du = DailyUsage
    errors, successes = func.sum(du.errors), func.sum(du.successes)
    rows = session.execute(
        select(Feature, errors, successes)
        .join(Feature, Feature.id == du.feature_id)
        .where(
            du.employee_id == employee_id,
            du.local_day.between(last - timedelta(days=WINDOW_DAYS - 1), last),
            Feature.is_core.is_(True),
        )
        .group_by(Feature.id)
        .having(errors > 0, errors + successes >= MIN_ATTEMPTS)
    ).all()
    carded = carded_actions(session) if rows else set()
    items = [
        HardFeature(
            feature.action,
            feature_title(feature, locale),
            int(err),
            int(err) + int(ok),
            int(err) / (int(err) + int(ok)),
            feature.action in carded,
        )
        for feature, err, ok in rows
    ]
    items.sort(key=lambda i: (-i.error_rate, -i.errors, i.action))
    return items[:SHOWN]
