"""Process configuration: environment variables, also read from `.env`."""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.calendar import DEFAULT_TIMEZONE

DEFAULT_DATABASE_URL = "sqlite:///data/clubbot.db"


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
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # A Telegram chat (staff's, or IT's) told of internal errors: one message per interval.
    alert_chat_id: int | None = None
    alert_interval_seconds: float = Field(default=600.0, gt=0)
    # The key of voters' receipts; unset, one is made once and kept in BALLOT_KEY_FILE. Several
    # processes on one database must share it (set BALLOT_KEY, or share the file).
    ballot_key: SecretStr | None = None
    ballot_key_file: Path = Path("data/ballot.key")

    def secrets(self) -> list[str]:
        """Values no log line may show."""
        held = [self.bot_token, self.ballot_key]
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
