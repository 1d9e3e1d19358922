"""The one settings object, read from ``BOOKING_*`` environment variables and a ``.env`` file.

Entry points (the API app, the CLI, workers) build it once; domain code never reads it. Tests build it
directly with keyword arguments instead of patching the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from booking.models import ALL_CHANNELS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development",
        description="production refuses to start with demo-only settings or data (booking/production.py), and a "
        "channel without its gateway URL is not offered to citizens.",
    )
    data_dir: Path = Field(Path("var"), description="Where the embedded default keeps its files.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str = Field("", description="Base URL citizens reach; empty means http://host:port.")
    secret_key: str = Field(
        "", description="Keys the NIK hash and the manage tokens; empty means one kept in data_dir."
    )
    rate_limit_per_minute: int = Field(20, ge=0, description="Booking creations per client per minute; 0 is off.")
    partner_rate_limit_per_minute: int = Field(
        30, ge=0, description="Bookings per minute by one assisted-booking partner account; 0 is off."
    )
    rate_limit_store_url: str = Field(
        "", description="Redis URL where API processes share their rate-limit counts; empty means per process."
    )
    events_url: str = Field(
        "",
        description="Redis URL through which API processes share queue changes with the display boards; "
        "empty means within this process (one API process).",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks (comma-separated, e.g. 172.28.0.10 or 10.0.0.0/8) of the reverse "
        "proxies whose X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else they are ignored, so "
        "the per-client rate limit counts the address that connected. Empty: no proxy is trusted.",
    )
    idempotency_ttl_hours: int = Field(24, ge=24, description="How long an Idempotency-Key is remembered.")
    db_pool_size: int = Field(10, ge=1)
    lock_timeout_ms: int = Field(
        10_000, ge=100, le=600_000, description="PostgreSQL: longest wait for a row lock; past it, 503 busy."
    )
    log_level: str = "INFO"
    broker_url: str = Field("", description="Celery broker (redis://, amqp://); empty means a folder in data_dir.")
    notify_sms_url: str = Field("", description="Apprise URL with {to}; empty means files in data_dir/outbox.")
    notify_email_url: str = Field("", description="Apprise URL with {to}; empty means files in data_dir/outbox.")
    notify_whatsapp_url: str = Field("", description="Apprise URL with {to}; empty means files in data_dir/outbox.")
    notify_sms_success: str = Field(
        "",
        description="For an HTTP gateway that answers 200 with an error in its body: a regular expression its "
        'answer must contain for a message to count as sent, e.g. "status":\\s*"(ok|queued)"; empty: any 2xx.',
    )
    notify_whatsapp_success: str = Field("", description="The same for the WhatsApp gateway.")
    notify_rate_limit: str = Field("20/s", description="Celery rate limit per channel and worker, e.g. 5/s.")
    sweep_seconds: float = Field(5.0, gt=0, description="How often beat looks for due notifications.")
    send_lease_seconds: float = Field(
        120, gt=0, description="How long a queued or sending message is held before another worker may take it."
    )

    no_show_sweep_seconds: float = Field(
        60, gt=0, description="How often beat marks bookings not checked in after the grace period."
    )
    hold_sweep_seconds: float = Field(
        30, gt=0, description="How often beat releases places held for waiting-list offers that ran out."
    )
    retention_sweep_seconds: float = Field(
        3600, gt=0, description="How often beat erases the personal data of bookings past their site's retention."
    )
    staff_token_minutes: int = Field(
        720, ge=5, le=7 * 24 * 60, description="How long a staff login lasts (default: a working day)."
    )

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()  # Python's logging wants INFO; operators often write info, as uvicorn does

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'antrian.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def notify_url(self, channel: str) -> str:
        """The Apprise URL template of a channel; the embedded default writes files a newcomer can read."""
        configured = getattr(self, f"notify_{channel}_url")
        return configured or f"outbox://{(self.data_dir / 'outbox').resolve()}?to={{to}}"

    def notify_success(self, channel: str) -> str:
        """How a channel's gateway says a message was sent (a regular expression), or "" (any 2xx)."""
        return getattr(self, f"notify_{channel}_success", "")

    def channels_not_ready(self) -> dict[str, str]:
        """Channels that cannot reach a citizen, and why: in production, those whose gateway URL is not set
        (the outbox folder of the embedded default reaches nobody). No site offers them meanwhile."""
        if self.environment != "production":
            return {}
        return {
            channel: f"not offered: BOOKING_NOTIFY_{channel.upper()}_URL is not set"
            for channel in ALL_CHANNELS
            if not getattr(self, f"notify_{channel}_url")
        }

    @property
    def ready_channels(self) -> tuple[str, ...]:
        """The channels messages can go out by: every site offers at most these."""
        missing = self.channels_not_ready()
        return tuple(channel for channel in ALL_CHANNELS if channel not in missing)

    @cached_property  # derived once per process, not per request
    def staff_token_key(self) -> str:
        """Signs staff bearer tokens: derived from the secret key, so one secret still runs a deployment."""
        return hmac.new(self.resolved_secret_key.encode(), b"staff-tokens", hashlib.sha256).hexdigest()

    @cached_property  # read once per process: every booking and token needs it
    def resolved_secret_key(self) -> str:
        """The configured key, or for the embedded default one generated once and kept in data_dir.

        Changing it later breaks the one-booking-per-citizen rule for existing bookings (the NIK hash
        changes), so production sets it explicitly and never rotates it casually.
        """
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:  # exclusive create: several processes may start at once, only one key may win
            with open(key_file, "x") as new_file:
                key_file.chmod(0o600)
                new_file.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass
        return key_file.read_text().strip()
