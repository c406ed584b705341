"""Forgetting a person everywhere Uptake keeps them (docs/privacy.md "Forgetting a person").

`forget_employee` is the one entry point of the front doors (`uptake employees forget`,
`POST /api/v1/employees/{user_id}/forget`): the core's records (`adoption.masterdata.erasure`),
then their logins (`adoption.identity.erasure`), their own notification subscriptions
(`adoption.notify.subscriptions`) and, here, the frozen champion rows and badge
evidence. A closed month keeps what HR paid (points, score, the entry itself) under the
pseudonym; a rank reason naming the person as runner-up names the pseudonymous id, and so does
the evidence of someone else's badge naming them (a tied first-proficient runner-up).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from adoption.identity.erasure import forget_logins
from adoption.masterdata import erasure
from adoption.masterdata.erasure import Forgetting
from adoption.notify.subscriptions import forget_subscriptions
from rewards.models import BadgeAward, ChampionEntry, ChampionPeriod

# Where `rewards.champions.rules.reason` names a person in a rank reason.
_MENTIONS = ("ahead of {} by ", " with {}; ", "user id {} before ")
_LAST_MENTION = " before {}"


def forget_employee(session: Session, user_id: str, *, now: datetime, actor: str) -> dict:
    """Forget the person (`adoption.masterdata.erasure.forget_employee`); audited, idempotent."""
    steps = (forget_logins, forget_subscriptions, pseudonymise_champions, scrub_badges)
    return erasure.forget_employee(session, user_id, now=now, actor=actor, steps=steps)


def pseudonymise_champions(session: Session, forgetting: Forgetting) -> dict[str, int]:
    """Frozen champion rows of the person, or naming them, name the pseudonym instead."""
    old = forgetting.old_user_id
    entries = session.scalars(
        select(ChampionEntry).where(
            or_(
                ChampionEntry.employee_id == forgetting.employee_id,
                func.lower(ChampionEntry.rank_reason).contains(forgetting.old_key, autoescape=True),
                func.lower(cast(ChampionEntry.details, Text)).contains(
                    forgetting.old_key, autoescape=True
                ),
            )
        )
    )
    changed = 0
    for entry in entries:
        before = (entry.user_id, entry.display_name, entry.rank_reason, entry.details)
        theirs = entry.employee_id == forgetting.employee_id
        if theirs:
            entry.user_id, entry.display_name = forgetting.user_id, forgetting.display_name
        entry.rank_reason = _reason_without(entry.rank_reason, old, forgetting.user_id)
        entry.details = forgetting.scrubbed(entry.details, about=theirs)
        if (entry.user_id, entry.display_name, entry.rank_reason, entry.details) != before:
            changed += 1
    erasure.rename_actors(
        session, forgetting, [(ChampionPeriod, "created_by"), (ChampionPeriod, "closed_by")]
    )
    session.flush()
    return {"champion_rows_pseudonymised": changed}


def scrub_badges(session: Session, forgetting: Forgetting) -> dict[str, int]:
    """Evidence of the person's badges, or of any badge naming their id (a runner-up in
    `tied_with`), names the pseudonym instead; the award itself stays."""
    evidence = func.lower(cast(BadgeAward.evidence, Text))
    badges = session.scalars(
        select(BadgeAward).where(
            or_(
                BadgeAward.employee_id == forgetting.employee_id,
                evidence.contains(forgetting.old_key, autoescape=True),
            )
        )
    )
    changed = 0
    for badge in badges:
        scrubbed = forgetting.scrubbed(
            badge.evidence, about=badge.employee_id == forgetting.employee_id
        )
        if scrubbed is not badge.evidence:
            badge.evidence = scrubbed
            changed += 1
    session.flush()
    return {"badge_evidence_scrubbed": changed}


def _reason_without(reason: str, old: str, new: str) -> str:
    for template in _MENTIONS:
        reason = reason.replace(template.format(old), template.format(new))
    tail = _LAST_MENTION.format(old)
    return reason[: -len(tail)] + _LAST_MENTION.format(new) if reason.endswith(tail) else reason
