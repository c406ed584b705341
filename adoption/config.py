"""Settings read once from UPTAKE_* environment variables and passed down explicitly."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adoption.errors import Invalid
from adoption.retention import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

DEFAULT_INSTANCE = Path.cwd() / "instance"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    scheduler: bool = False
    default_timezone: str = "UTC"
    instance_path: Path = field(default=DEFAULT_INSTANCE)
    close_day: int = 3  # the previous month closes on this local day of the month …
    close_hour: int = 6  # … at this local hour, unless HR closed it already
    ineligible_roles: tuple[str, ...] = ("manager",)  # roles that cannot be monthly champion
    # Raw events are kept for the current month and this many before it; 0 keeps them all.
    # Deprecated: `retention_days` (UPTAKE_RETENTION_DAYS) is the documented setting.
    event_retention_months: int = 0
    # Raw events older than this many days are purged nightly; 0 keeps them all (docs/privacy.md).
    retention_days: int = 0
    # Works-council mode: every read of one person's data by someone else is logged.
    access_log: bool = False
    # Aggregates over fewer people are withheld from all but hr and admin (docs/privacy.md).
    min_group: int = 5
    # Clerks see their own store's rankings by name ("colleagues") or as Anonymous rows but
    # their own ("private", the default; docs/privacy.md).
    board_names: str = "private"
    # Web sessions and the HTTP front (docs/operations.md): a session ends after this long
    # without a request, and this long after sign-in whatever happens.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    cookie_secure: bool = True  # the session cookie is only sent over HTTPS (and HSTS is sent)
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted
    tv_frame_ancestors: str | None = None  # CSP sources that may frame the ?tv=1 board
    # Notifications (docs/operations.md "Notifications"): the SMTP server e-mail goes through
    # (`smtp://user:pass@host:port?starttls=1`, `smtps://…`; unset: no e-mail), its sender, the
    # back-off base in seconds (waits of 1, 5, 30, 120, 720 × base), attempts before a delivery
    # fails, a send's timeout, and the open quarantine size that first raises an alert (then
    # each doubling).
    smtp_url: str | None = None
    mail_from: str = "uptake@localhost"
    notify_backoff_seconds: int = 60
    notify_max_attempts: int = 6
    notify_timeout_seconds: int = 10
    quarantine_alert: int = 100

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read the environment once; a bad value fails start-up with the variable's name."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("UPTAKE_INSTANCE_PATH", str(DEFAULT_INSTANCE)))
        url = env.get("UPTAKE_DATABASE_URL") or f"sqlite:///{instance / 'uptake.sqlite3'}"
        scheduler = env.get("UPTAKE_SCHEDULER", "off").strip().lower()
        if scheduler not in {"on", "off", "true", "false", "1", "0"}:
            raise Invalid({"UPTAKE_SCHEDULER": [f"Must be on or off, not {scheduler!r}."]})
        tz = env.get("UPTAKE_TIMEZONE", "UTC").strip() or "UTC"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Invalid({"UPTAKE_TIMEZONE": [f"Unknown timezone {tz!r}."]}) from exc
        return cls(
            database_url=url,
            secret_key=env.get("UPTAKE_SECRET_KEY") or instance_secret(instance),
            scheduler=scheduler in {"on", "true", "1"},
            default_timezone=tz,
            instance_path=instance,
            close_day=_int_env(env, "UPTAKE_CLOSE_DAY", 3, 1, 28),
            close_hour=_int_env(env, "UPTAKE_CLOSE_HOUR", 6, 0, 23),
            ineligible_roles=_roles_env(env, "UPTAKE_INELIGIBLE_ROLES", "manager"),
            event_retention_months=_retention_env(env, "UPTAKE_EVENT_RETENTION_MONTHS"),
            retention_days=_retention_days_env(env),
            access_log=_switch_env(env, "UPTAKE_ACCESS_LOG", False),
            min_group=_int_env(env, "UPTAKE_MIN_GROUP", 5, 1, 1000),
            board_names=_choice_env(env, "UPTAKE_BOARD_NAMES", ("private", "colleagues")),
            **_web_env(env),
            **_notify_env(env),
        )


def _choice_env(env, name: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, the first by default."""
    text = env.get(name, "").strip().lower() or choices[0]
    if text not in choices:
        raise Invalid({name: [f"Must be one of {', '.join(choices)}, not {text!r}."]})
    return text


def _int_env(env, name: str, default: int, low: int, high: int) -> int:
    text = env.get(name, "").strip() or str(default)
    if not text.isdigit() or not low <= int(text) <= high:
        raise Invalid({name: [f"Must be a whole number from {low} to {high}, not {text!r}."]})
    return int(text)


def _retention_env(env, name: str) -> int:
    """0 (keep every event) or at least 3 months, so open and closing months keep their events."""
    months = _int_env(env, name, 0, 0, 1200)
    if 0 < months < 3:
        raise Invalid({name: [f"Must be 0 (keep all) or at least 3, not {months}."]})
    return months


def _retention_days_env(env) -> int:
    """0 (keep every event) or at least MIN_RETENTION_DAYS; never together with the deprecated
    UPTAKE_EVENT_RETENTION_MONTHS, so that one setting decides."""
    name = "UPTAKE_RETENTION_DAYS"
    days = _int_env(env, name, 0, 0, MAX_RETENTION_DAYS)
    if 0 < days < MIN_RETENTION_DAYS:
        raise Invalid(
            {
                name: [
                    f"Must be 0 (keep all) or at least {MIN_RETENTION_DAYS} days, not {days}:"
                    " points are re-derived from the events of every month not yet closed."
                ]
            }
        )
    if days and env.get("UPTAKE_EVENT_RETENTION_MONTHS", "").strip() not in {"", "0"}:
        raise Invalid(
            {
                name: [
                    "Set UPTAKE_RETENTION_DAYS or the deprecated UPTAKE_EVENT_RETENTION_MONTHS,"
                    " not both."
                ]
            }
        )
    return days


def _roles_env(env, name: str, default: str) -> tuple[str, ...]:
    """Comma-separated role names; an empty value means no role is ineligible."""
    text = env.get(name, default)
    return tuple(sorted({r.strip().lower() for r in text.split(",") if r.strip()}))


def instance_secret(instance: Path) -> str:
    """The secret kept in the instance folder when UPTAKE_SECRET_KEY is not set: made once, so
    every worker process (and every restart) signs session cookies with the same key. Written
    beside and linked into place, so a process racing another never reads a half-written key."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            draft.unlink()
    return path.read_text().strip()


def _web_env(env) -> dict:
    """The session, cookie, proxy and framing settings (docs/operations.md)."""
    return {
        "session_idle_minutes": _int_env(env, "UPTAKE_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        "session_max_hours": _int_env(env, "UPTAKE_SESSION_MAX_HOURS", 12, 1, 24 * 30),
        "cookie_secure": _switch_env(env, "UPTAKE_COOKIE_SECURE", True),
        "proxy_hops": _int_env(env, "UPTAKE_PROXY_HOPS", 0, 0, 5),
        "tv_frame_ancestors": _frame_ancestors_env(env, "UPTAKE_TV_FRAME_ANCESTORS"),
    }


def _notify_env(env) -> dict:
    """The notification settings (docs/operations.md "Notifications")."""
    smtp = env.get("UPTAKE_SMTP_URL", "").strip() or None
    if smtp is not None and not re.fullmatch(r"smtps?://[^/?#]*[^@/?#:][^/?#]*(\?.*)?", smtp, re.I):
        raise Invalid({"UPTAKE_SMTP_URL": ["Use smtp://[user:pass@]host[:port][?starttls=1]."]})
    sender = env.get("UPTAKE_MAIL_FROM", "").strip() or "uptake@localhost"
    if sender.count("@") != 1 or " " in sender:
        raise Invalid({"UPTAKE_MAIL_FROM": [f"Not an e-mail address: {sender!r}."]})
    return {
        "smtp_url": smtp,
        "mail_from": sender,
        "notify_backoff_seconds": _int_env(env, "UPTAKE_NOTIFY_BACKOFF_SECONDS", 60, 0, 3600),
        "notify_max_attempts": _int_env(env, "UPTAKE_NOTIFY_MAX_ATTEMPTS", 6, 1, 20),
        "notify_timeout_seconds": _int_env(env, "UPTAKE_NOTIFY_TIMEOUT_SECONDS", 10, 1, 120),
        "quarantine_alert": _int_env(env, "UPTAKE_QUARANTINE_ALERT", 100, 1, 10**9),
    }


def _switch_env(env, name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text not in {"on", "off", "true", "false", "1", "0"}:
        raise Invalid({name: [f"Must be on or off, not {text!r}."]})
    return text in {"on", "true", "1"}


FRAME_SOURCE = re.compile(r"'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _frame_ancestors_env(env, name: str) -> str | None:
    """Space-separated CSP sources (`'self'`, `https://host[:port]`, `https://*.domain`); unset
    or empty: nobody may frame any page."""
    sources = env.get(name, "").split()
    bad = [s for s in sources if not FRAME_SOURCE.fullmatch(s)]
    if bad:
        raise Invalid({name: [f"Not a frame source: {bad[0]!r} (use 'self' or https://host)."]})
    return " ".join(sources) or None
