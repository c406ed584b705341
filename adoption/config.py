"""Settings read once from UPTAKE_* environment variables and passed down explicitly."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adoption.errors import Invalid

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
    event_retention_months: int = 0

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
        )


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
