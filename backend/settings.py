"""All configuration, read from ``LINGKAR_*`` environment variables.

Nothing here runs at import time: call :func:`get_settings` (cached) or build a
:class:`Settings` yourself in tests.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The languages Lingkar speaks (backend.domain.vocabulary.Language; kept here as plain codes so
# reading the settings imports nothing else).
LANGUAGE_CODES = ("en", "id")


class ConfigurationError(RuntimeError):
    """A setting is missing or invalid; the message says which."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    # Empty: generated on first use beside the embedded database (see signing_secret).
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    cookie_secure: bool = False
    var_dir: Path = field(default_factory=lambda: REPO_ROOT / "var")
    site_dir: Path = field(default_factory=lambda: REPO_ROOT / "build" / "site")
    guides_dir: Path = field(default_factory=lambda: REPO_ROOT / "facilitator_guides")
    login_attempts_per_minute: int = 10
    session_days: int = 14
    demo_data: bool = True
    debug: bool = False
    # The language of pages and messages for someone who has chosen none (en, id).
    default_language: str = "en"
    # How long before a session its reminders come, in minutes, longest first (calendar
    # alarms, and the emailed reminder at the first of them).
    reminder_offsets: tuple[int, ...] = (1440, 60)
    # smtp://[user:password@]host[:port] (smtps:// for TLS); empty: no emails are sent.
    smtp_url: str = ""
    smtp_from: str = "Lingkar <lingkar@localhost>"
    # The public address of Lingkar, for links in emails (unsubscribe); empty: host and port.
    public_url: str = ""
    # Seconds between two rounds of the reminder sender.
    reminder_interval: float = 300.0
    # Members whose last membership ended longer ago than this are anonymised; None: keep.
    retention_years: int | None = None

    @property
    def is_sqlite(self) -> bool:
        return not self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        raw = self.database_url.removeprefix("sqlite:///").removeprefix("sqlite://")
        return Path(raw)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def signing_secret(settings: Settings) -> str:
    """The key that signs CSRF tokens and feed links: ``LINGKAR_SECRET_KEY``, or (embedded
    default only) a key generated once into the var directory, on first use."""
    if settings.secret_key:
        return settings.secret_key
    if not settings.is_sqlite:
        raise ConfigurationError(
            "LINGKAR_SECRET_KEY must be set when LINGKAR_DATABASE_URL points at PostgreSQL"
        )
    key_file = settings.var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(key)
    return key


_UNITS = {"d": 1440, "h": 60, "m": 1}


def parse_offsets(raw: str) -> tuple[int, ...]:
    """``1d,1h`` (or minutes: ``1440,60``) as minutes, longest first; ``off``: none."""
    raw = raw.strip().lower()
    if raw in ("off", "none"):
        return ()
    minutes = set()
    for part in (p.strip() for p in raw.split(",")):
        unit = _UNITS.get(part[-1:]) if part else None
        number = part[:-1] if unit else part
        if not number.isdigit():
            raise ConfigurationError(
                f"LINGKAR_REMINDER_OFFSETS: {part!r} is not like 1d, 1h, 30m or a number of minutes"
            )
        value = int(number) * (unit or 1)
        if not 1 <= value <= 30 * 1440:
            raise ConfigurationError(
                f"LINGKAR_REMINDER_OFFSETS: {part!r} must be between 1 minute and 30 days"
            )
        minutes.add(value)
    return tuple(sorted(minutes, reverse=True))


def load_settings() -> Settings:
    """Read the environment now (uncached)."""
    var_dir = Path(os.environ.get("LINGKAR_VAR_DIR", str(REPO_ROOT / "var"))).resolve()
    database_url = os.environ.get("LINGKAR_DATABASE_URL", "").strip() or str(
        var_dir / "lingkar.sqlite3"
    )
    try:
        port = int(os.environ.get("LINGKAR_PORT", "8000"))
        workers = int(os.environ.get("LINGKAR_WORKERS", "1"))
        attempts = int(os.environ.get("LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE", "10"))
        reminder_interval = max(float(os.environ.get("LINGKAR_REMINDER_INTERVAL", "300")), 1.0)
        raw_years = os.environ.get("LINGKAR_RETENTION_YEARS", "").strip()
        retention_years = int(raw_years) if raw_years else None
    except ValueError as exc:
        raise ConfigurationError(f"a numeric LINGKAR_* setting is not a number: {exc}") from exc
    if retention_years is not None and not 1 <= retention_years <= 100:
        raise ConfigurationError("LINGKAR_RETENTION_YEARS must be between 1 and 100 years")
    default_language = os.environ.get("LINGKAR_DEFAULT_LANGUAGE", "").strip().lower() or "en"
    if default_language not in LANGUAGE_CODES:
        raise ConfigurationError(
            f"LINGKAR_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGE_CODES)}, "
            f"not {default_language!r}"
        )
    return Settings(
        database_url=database_url,
        secret_key=os.environ.get("LINGKAR_SECRET_KEY", "").strip(),
        host=os.environ.get("LINGKAR_HOST", "127.0.0.1"),
        port=port,
        workers=workers,
        cookie_secure=_flag("LINGKAR_COOKIE_SECURE", False),
        var_dir=var_dir,
        site_dir=Path(os.environ.get("LINGKAR_SITE_DIR", str(REPO_ROOT / "build" / "site"))),
        guides_dir=Path(
            os.environ.get("LINGKAR_GUIDES_DIR", str(REPO_ROOT / "facilitator_guides"))
        ),
        login_attempts_per_minute=attempts,
        demo_data=_flag("LINGKAR_DEMO_DATA", True),
        debug=_flag("LINGKAR_DEBUG", False),
        default_language=default_language,
        reminder_offsets=parse_offsets(os.environ.get("LINGKAR_REMINDER_OFFSETS", "") or "1d,1h"),
        smtp_url=os.environ.get("LINGKAR_SMTP_URL", "").strip(),
        smtp_from=os.environ.get("LINGKAR_SMTP_FROM", "").strip() or "Lingkar <lingkar@localhost>",
        public_url=os.environ.get("LINGKAR_PUBLIC_URL", "").strip(),
        reminder_interval=reminder_interval,
        retention_years=retention_years,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
