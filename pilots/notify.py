"""The rollout's notifications: a planned wave that fails its readiness gate.

Checked by the hourly `notify-check` job for each wave planned to go live from today on (its
`planned_go_live_on`): a no-go is told once per wave and day, so the rollout lead hears of it
daily until the gate passes or the wave's date is past.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adoption.calendar import chain_today_of
from adoption.notify.events import READINESS_FAILED
from adoption.notify.outbox import emit
from adoption.scoring.rules import ScoringRules
from pilots.models import Wave
from pilots.readiness import readiness


def notify_readiness(session: Session, now: datetime, rules: ScoringRules) -> int:
    """Owe a `readiness.failed` per upcoming wave whose gate says no go today: on evidence, so
    not a wave without any rule yet (`status` no_rule), which is nobody's failure."""
    today = chain_today_of(session, now)
    waves = session.scalars(
        select(Wave.number)
        .where(Wave.number >= 1, Wave.planned_go_live_on >= today)
        .order_by(Wave.number)
    ).all()
    owed = 0
    for number in waves:
        gate = readiness(session, number, now=now, rules=rules)
        if gate["status"] != "no_go":
            continue
        failed = [r["rule"]["id"] for r in gate["rules"] if not r["passed"]]
        payload = {"wave": number, "day": today, "reason": gate["reason"], "failed_rules": failed}
        owed += emit(
            session, READINESS_FAILED, f"{READINESS_FAILED}:{number}:{today}", payload, now=now
        )
    return owed
