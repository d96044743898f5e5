"""Process configuration: environment variables, also read from `.env`."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.calendar import DEFAULT_TIMEZONE

DEFAULT_DATABASE_URL = "sqlite:///data/clubbot.db"
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Framework(StrEnum):
    AIOGRAM = "aiogram"
    PTB = "ptb"


class Settings(BaseSettings):
    """Everything the process needs to start; validated once at start-up."""

    # An empty value (`ALERT_CHAT_ID=` as .env.example has it) means the default.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    bot_token: SecretStr | None = None
    bot_username: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    bot_framework: Framework = Framework.AIOGRAM
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = DEFAULT_TIMEZONE
    policy_file: Path | None = None
    tick_seconds: float = Field(default=5.0, gt=0)
    # The web playground (`clubbot playground`) listens on 127.0.0.1 at this port.
    playground_port: int = Field(default=8080, ge=0, le=65535)
    # The language of the demo university's names (clubs, units, colleges, classes): Chinese, as
    # a Chinese university's records are; `en` for testers who read no Chinese. Used when the
    # playground's database is seeded (the first start, or `--reset`).
    playground_names: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # A Telegram chat (staff's, or IT's) told of internal errors: one message per interval.
    alert_chat_id: int | None = None
    alert_interval_seconds: float = Field(default=600.0, gt=0)
    # The key of voters' receipts; unset, one is made once and kept in BALLOT_KEY_FILE. Several
    # processes on one database must share it (set BALLOT_KEY, or share the file).
    ballot_key: SecretStr | None = None
    ballot_key_file: Path = Path("data/ballot.key")
    # Set, Telegram posts updates to this URL (its path is where the bot takes them) instead of
    # the bot polling; Telegram sends WEBHOOK_SECRET with each.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # The bot's HTTP server (host:port): /healthz, /metrics and, in webhook mode, the updates.
    http_listen: str = "127.0.0.1:8081"

    def secrets(self) -> list[str]:
        """Values no log line may show."""
        held = [self.bot_token, self.ballot_key, self.webhook_secret]
        return [s.get_secret_value() for s in held if s is not None]

    def ballot_key_bytes(self) -> bytes:
        """BALLOT_KEY, or the key in BALLOT_KEY_FILE, made there (owner-only) the first time."""
        if self.ballot_key is not None:
            return self.ballot_key.get_secret_value().encode()
        path = self.ballot_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
        return path.read_text(encoding="ascii").strip().encode()

    def listen_address(self) -> tuple[str, int]:
        """HTTP_LISTEN as (host, port)."""
        host, _, port = self.http_listen.rpartition(":")
        return host.strip("[]"), int(port)

    def webhook_path(self) -> str:
        """The path of WEBHOOK_URL, where the HTTP server takes updates."""
        return urlsplit(self.webhook_url or "").path or "/"

    @field_validator("http_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"HTTP_LISTEN must be host:port, not {value!r}")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        # Telegram posts only to HTTPS; plain HTTP is for the emulator on this machine.
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise ValueError("WEBHOOK_URL must be an https:// URL")
        if not parts.hostname:
            raise ValueError("WEBHOOK_URL has no host")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @model_validator(mode="after")
    def _secret_with_webhook(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required with WEBHOOK_URL")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
