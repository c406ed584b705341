"""Forgetting a person's logins: a step of `adoption.masterdata.erasure.forget_employee`.

Each web account and API token linked to the person is disabled (every session ends) and
renamed after the pseudonymous id (`erased-7F3A2C1B`, then `-2`, `-3` for more), since a login
name is often the person's name. The names go into `Forgetting.logins`, so that the rows naming
what those logins did (audit actors, access-log viewers, who resolved or closed something)
name the stand-in too. A failed-login counter of the account is deleted. A token name that
other tokens bear too is renamed on the token only: what was done under it may be someone
else's doing.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adoption.identity.models import Account, ApiToken, LoginThrottle
from adoption.masterdata.cleaning import key_of
from adoption.masterdata.erasure import Forgetting


def forget_logins(session: Session, forgetting: Forgetting) -> dict[str, int]:
    accounts = session.scalars(
        select(Account).where(Account.employee_id == forgetting.employee_id).order_by(Account.id)
    ).all()
    for n, account in enumerate(accounts, start=1):
        new = _stand_in(forgetting, n)
        forgetting.logins[account.username] = new
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.key == f"account:{account.username_key}")
        )
        account.username, account.username_key = new, key_of(new)
        account.disabled_at = account.disabled_at or forgetting.now
        account.session_version += 1
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.employee_id == forgetting.employee_id).order_by(ApiToken.id)
    ).all()
    shared = _shared_token_names(session, forgetting.employee_id)
    for n, token in enumerate(tokens, start=1):
        new = forgetting.logins.get(token.name) or _stand_in(forgetting, n)
        if token.name not in shared:  # what a shared name did may be someone else's doing
            forgetting.logins[token.name] = new
        token.name = new
        token.revoked_at = token.revoked_at or forgetting.now
    session.flush()
    return {"accounts_disabled": len(accounts), "tokens_revoked": len(tokens)}


def _shared_token_names(session: Session, employee_id: int) -> set[str]:
    """Names of the person's tokens that other tokens (someone else's, or nobody's) bear too."""
    theirs = select(ApiToken.name).where(ApiToken.employee_id == employee_id)
    others = select(ApiToken.name).where(
        ApiToken.name.in_(theirs),
        (ApiToken.employee_id != employee_id) | ApiToken.employee_id.is_(None),
    )
    return set(session.scalars(others))


def _stand_in(forgetting: Forgetting, n: int) -> str:
    return forgetting.user_id if n == 1 else f"{forgetting.user_id}-{n}"
