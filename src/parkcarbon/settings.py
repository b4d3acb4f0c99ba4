"""Typed settings, read from the environment (prefix ``PARKCARBON_``) and an optional ``.env`` file.

Settings are built by :func:`load_settings`, never at import time, so tests and the CLI can build
their own. A development default secret key is refused unless ``PARKCARBON_ENV=development``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "development-only-secret-key-change-me"

Language = Literal["zh-CN", "en"]


class SettingsError(ValueError):
    """The configuration cannot be used; the message names the setting and what to do."""


class Settings(BaseSettings):
    """Runtime configuration of a parkcarbon installation."""

    model_config = SettingsConfigDict(env_prefix="PARKCARBON_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = Field(
        default="development", description="development allows the default secret key"
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty = SQLite file var/parkcarbon.db in the working dir"
    )
    mqtt_url: str | None = Field(
        default=None, description="mqtt://host:port of the broker; unset = no broker"
    )
    secret_key: str = Field(default=DEV_SECRET_KEY, description="signs console sessions")
    timezone: str = Field(default="Asia/Shanghai", description="default timezone for new parks")
    language: Language = Field(default="zh-CN", description="default console language")
    token_ttl_minutes: int = Field(default=12 * 60, ge=1, description="lifetime of API bearer tokens")
    login_max_failures: int = Field(
        default=5, ge=1, description="consecutive failed password checks of an account before back-off"
    )
    login_backoff_seconds: int = Field(
        default=30, ge=1, description="first back-off after login_max_failures failures; doubles per failure"
    )
    login_backoff_max_seconds: int = Field(
        default=300, ge=1, description="longest back-off of an account [s] (no lock lasts longer)"
    )
    auth_rate_limit_per_address: str = Field(
        default="30/minute;300/hour",
        description="password checks (login, token, password change) per client address ('limits' syntax)",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="storage of the rate-limit counters ('limits' URI: memory://, redis://host:6379 …)",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins (scheme://host[:port]) whose pages may open the console's websocket, "
        "comma-separated; empty = the console's own origin only",
    )
    ingest_max_batch: int = Field(default=200_000, ge=1, description="largest readings batch accepted")
    ingest_max_decompressed_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="largest decompressed (gzip) readings body of one request [bytes]",
    )
    ingest_decompressed_total_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="decompressed bytes all requests of a process may hold at once [bytes]; beyond, 503",
    )
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="largest request body on any route [bytes]; larger ones get 413 before being read",
    )
    warnings_interval_seconds: float = Field(
        default=900.0,
        ge=0,
        description="the server evaluates every park's warnings at start and then every this many seconds "
        "(services/supervision/schedule.py); 0 = off (cron `parkcarbon warnings evaluate` only)",
    )
    log_origin: str = Field(
        default="parkcarbon.local/log",
        pattern=r"^[^\s+]+$",
        description="the transparency log's origin line of its checkpoints and its key's name "
        "(e.g. carbon.park.example.cn/log); no space or '+'",
    )
    log_signing_key: str | None = Field(
        default=None,
        description="the log's Ed25519 signer key (PRIVATE+KEY+<origin>+<hash>+<base64>, C2SP signed-note); "
        "unset = derived from secret_key (HMAC-SHA256, docs/trust.md): a new secret means a new log key",
    )
    smtp_url: str | None = Field(
        default=None,
        description="outgoing mail server: smtp://[user:password@]host[:port] (plain, or STARTTLS with "
        "smtp_starttls) or smtps://… (implicit TLS); unset = no mail, and invitations cannot be sent",
    )
    smtp_from: str | None = Field(
        default=None, description="sender address of the platform's mail (required with smtp_url)"
    )
    smtp_starttls: bool = Field(default=False, description="upgrade an smtp:// connection with STARTTLS")
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, description="timeout of one SMTP exchange [s]")
    public_url: str | None = Field(
        default=None,
        description="the console's public base URL (scheme://host[:port]) for links in mail; "
        "unset = http://host:port of this server",
    )
    host: str = "127.0.0.1"
    port: int = 8080

    @field_validator("smtp_url")
    @classmethod
    def _smtp_syntax(cls, value: str | None) -> str | None:
        if not value:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError(f"an SMTP URL is smtp://host[:port] or smtps://host[:port]: {value!r}")
        try:
            _ = parts.port
        except ValueError as exc:
            raise ValueError(f"the SMTP URL's port is not a number: {value!r}") from exc
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_syntax(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.fullmatch(r"https?://[^/\s]+(/[^\s]*)?", value):
            raise ValueError(f"the public URL is scheme://host[:port][/path]: {value!r}")
        return value.rstrip("/")

    @field_validator("auth_rate_limit_per_address")
    @classmethod
    def _rate_limit_syntax(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '30/minute;300/hour': {value!r}") from exc
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for origin in value:
                if not isinstance(origin, str) or not re.fullmatch(r"https?://[^/\s]+", origin):
                    raise ValueError(f"an origin is scheme://host[:port] without a path: {origin!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env != "development" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "PARKCARBON_SECRET_KEY must be set outside development mode "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.smtp_url and not self.smtp_from:
            raise ValueError("PARKCARBON_SMTP_FROM (the sender address) must be set with PARKCARBON_SMTP_URL")
        if self.env != "development" and len(self.secret_key) < 32:
            raise ValueError("PARKCARBON_SECRET_KEY must be at least 32 characters outside development mode")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file under ``var/`` of the working directory."""
        if self.database_url:
            return self.database_url
        path = Path.cwd() / "var" / "parkcarbon.db"
        return f"sqlite:///{path}"

    @property
    def resolved_public_url(self) -> str:
        """The base of links in mail: ``public_url``, else this server's own address."""
        return self.public_url or f"http://{self.host}:{self.port}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides taking precedence."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
