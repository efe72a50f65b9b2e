"""The one settings object, read from the environment (and an optional `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


class Settings(BaseSettings):
    """Everything configurable; each field maps to an environment variable of the same name."""

    # A refused value is not echoed: it may be a secret (a short FLEET_WEBHOOK_SECRET, a URL
    # with a password), and settings errors end up in start-up logs.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    environment: str = Field(default="development", description="development | test | production")
    var_dir: Path = Field(
        default=DEFAULT_VAR_DIR, description="Where the embedded default keeps files"
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means the embedded SQLite file var/mobility.sqlite3",
    )
    database_echo: bool = False
    # The API runs sync endpoints on anyio's 40 worker threads: a pool smaller than that makes
    # requests queue for a connection under load. A short wait then a 503 beats a 30 s hang.
    db_pool_size: int = Field(default=10, ge=1, le=500, description="Pooled connections")
    db_max_overflow: int = Field(
        default=30, ge=0, le=500, description="Connections opened beyond the pool under load"
    )
    db_pool_timeout_s: float = Field(
        default=5.0, gt=0, le=300, description="Wait for a free connection before answering 503"
    )
    redis_url: str = Field(
        default="", description="redis:// URL; empty means the in-process substitute (fakeredis)"
    )
    redis_key_prefix: str = Field(default="mob:", description="Prefix of every key we write")
    redis_timeout_s: float = Field(
        default=1.0, gt=0, description="Connect and read timeout; callers fall back beyond it"
    )
    timezone: str = Field(default="Europe/Rome", description="The area's time zone")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    load_sample_data: bool = Field(
        default=True,
        description="Load the bundled samples (feed, tariffs, network, freight) on first start",
    )
    sample_feed_id: str = "prato"
    sample_feed_path: Path = Field(
        default=PROJECT_ROOT / "data" / "sample" / "it_prato_cap_2016.zip",
        description="The bundled sample feed (CC BY 4.0, see data/sample/README.md)",
    )
    payment_provider: Literal["sandbox", "stripe"] = Field(
        default="sandbox",
        description="sandbox: no network, for the embedded default; stripe: the Stripe API",
    )
    stripe_api_key: SecretStr = SecretStr("")
    stripe_api_base: str = Field(
        default="", description="Override of the Stripe API address (tests: localstripe)"
    )
    stripe_webhook_secret: SecretStr = SecretStr("")
    sandbox_webhook_secret: SecretStr = Field(
        default=SecretStr("whsec_sandbox_development_only"),
        description="Signs the sandbox provider's webhook events (Stripe's scheme)",
    )
    sample_network_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "tntp" / "SiouxFalls",
        description="A TNTP folder (net, node, trips) loaded as the first road network",
    )
    sample_freight_file: Path = Field(
        default=PROJECT_ROOT / "data" / "freight" / "ligurian_tuscan_freight.toml",
        description="The freight network data set loaded on first start",
    )
    tariff_file: Path = Field(
        default=PROJECT_ROOT / "data" / "sample" / "tariffs.toml",
        description="The authority's tariff configuration loaded on first start",
    )
    vat_rate_bp: int = Field(
        default=1000, ge=0, le=10_000, description="VAT in basis points (public transport: 10%)"
    )
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    auth_rate_limit: str = Field(
        default="10/minute", description="Attempts per client and account on auth endpoints"
    )
    api_key_failure_rate_limit: str = Field(
        default="20/minute", description="Failed API-key authentications per client address"
    )
    purchase_rate_limit: str = Field(
        default="30/minute", description="Orders and payments per caller and client address"
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="Pass-signing keyring (JSON, see access_control/keys.py); empty outside "
        "production means a development keyring generated under VAR_DIR",
    )
    pass_signing_key_pem: SecretStr = Field(
        default=SecretStr(""), description="Or one PKCS#8 PEM private key from the environment"
    )
    pass_signing_key_id: str = "env1"
    pass_token_issuer: str = Field(default="ltc", description="Short: it is in every QR code")
    pass_token_audience: str = "gate"
    pass_token_leeway_s: float = Field(default=5.0, ge=0, le=60)
    pass_token_max_lifetime_s: int = Field(
        default=31 * 24 * 3600, gt=0, description="Longest pass token; the key rotation overlap"
    )
    passback_window_s: int = Field(
        default=1200,
        gt=0,
        description="No second entry with one pass within this, unless it exited",
    )
    revocation_version_ttl_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How stale a process's idea of the newest revocation may be (online gates)",
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HS256 key of callers' access tokens, at least 32 bytes (else Bearer: 503)",
    )
    api_key_pepper: SecretStr = Field(
        default=SecretStr(""), description="HMAC pepper of API key hashes; empty: plain SHA-256"
    )
    access_token_issuer: str = "mobility"
    access_token_audience: str = "mobility-api"
    access_token_ttl_s: int = Field(default=900, gt=0, le=86400)
    access_token_leeway_s: float = Field(default=5.0, ge=0, le=60)
    realtime_ttl_s: int = Field(default=3600, description="How long real-time state lives in Redis")
    realtime_feeds: str = Field(
        default="", description="GTFS-Realtime sources the worker polls: 'feed=url,feed=url'"
    )
    realtime_poll_s: float = Field(default=30.0, gt=0, description="Worker polling period")
    jobs_processes: int = Field(default=1, ge=1, le=64, description="Worker processes")
    jobs_threads: int = Field(default=4, ge=1, le=256, description="Job threads per process")
    jobs_namespace: str = Field(
        default="",
        description="Redis key prefix of the job queues; empty: REDIS_KEY_PREFIX + 'jobs'",
    )
    jobs_time_limit_s: float = Field(default=300.0, gt=0, description="Short jobs' time limit")
    jobs_long_time_limit_s: float = Field(
        default=3600.0, gt=0, description="Time limit of long jobs (scenario runs, fleet plans)"
    )
    jobs_max_retries: int = Field(default=10, ge=0, description="Retries of a failing short job")
    jobs_long_max_retries: int = Field(default=3, ge=0, description="Retries of a long job")
    jobs_heartbeat_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="A worker silent this long is dead: its unacknowledged jobs are requeued",
    )
    jobs_maintenance_chance: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Broker calls per million that look for dead workers' jobs to requeue",
    )
    jobs_relay_grace_s: float = Field(
        default=60.0,
        gt=0,
        description="An outbox message undelivered this long after it was due is sent again",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object a line (production); text: for people"
    )
    log_level: str = Field(default="INFO", description="Root log level (DEBUG, INFO, WARNING…)")
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token of GET /metrics; empty: open outside production, 403 in it",
    )
    # Fleet plans (mobility/freight/fleet_plans, routing/fleet).
    fleet_plan_max_budget_s: int = Field(
        default=120, ge=1, le=3600, description="The longest time budget a fleet plan may ask"
    )
    # Road distance over great-circle distance: about 1.3 on European road networks (Ballou,
    # Rahardja and Sakai 2002, "Selected country circuity factors for road travel distance
    # estimation"); a truck off the motorways averages about 50 km/h (an estimate).
    fleet_circuity: float = Field(default=1.3, ge=1.0, le=3.0)
    fleet_offnet_speed_kmh: float = Field(default=50.0, gt=5.0, le=120.0)
    fleet_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HMAC-SHA256 key of fleet-plan webhooks (32+ bytes); empty: no webhooks",
    )
    fleet_webhook_attempts: int = Field(default=5, ge=1, le=20)
    fleet_webhook_timeout_s: float = Field(default=5.0, gt=0, le=30)
    # Truck appointment slots at terminal gates (mobility/freight/gate_slots).
    gate_slot_minutes: int = Field(default=60, ge=15, le=240, description="Slot length")
    gate_slot_share_pct: int = Field(
        default=100,
        ge=1,
        le=100,
        description="Share of the gate's hourly TEU capacity offered to appointments",
    )
    gate_slot_grace_min: int = Field(
        default=15, ge=0, le=120, description="A slot's pass opens this early, closes this late"
    )
    gate_slot_horizon_days: int = Field(
        default=14, ge=1, le=30, description="How far ahead slots can be booked"
    )

    # Revenue clearing (ticketing/clearing/runs.py). Off by default: the authority decides when
    # a month's revenue is final (late refunds, disputed taps); posting before that only means
    # correction transactions later.
    clearing_auto_post_day: int | None = Field(
        default=None,
        ge=1,
        le=28,
        description="Day of month from which the worker clears and posts the previous month; "
        "empty: never automatically",
    )

    def realtime_sources(self) -> list[tuple[str, str]]:
        """REALTIME_FEEDS as (feed id, url) pairs; a malformed entry is a configuration error."""
        pairs = []
        for entry in filter(None, (e.strip() for e in self.realtime_feeds.split(","))):
            feed, sep, url = entry.partition("=")
            if not sep or not feed.strip() or not url.strip():
                raise ValueError(f"REALTIME_FEEDS entry {entry!r} is not feed=url")
            pairs.append((feed.strip(), url.strip()))
        return pairs

    @field_validator("clearing_auto_post_day", mode="before")
    @classmethod
    def _empty_day_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("fleet_webhook_secret")
    @classmethod
    def _webhook_secret_is_long_enough(cls, secret: SecretStr) -> SecretStr:
        value = secret.get_secret_value()
        if value and len(value.encode()) < 32:
            raise ValueError("FLEET_WEBHOOK_SECRET must be at least 32 bytes (empty: no webhooks)")
        return secret

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, url: str) -> str:
        # Compose files and PaaS give postgres:// or postgresql://; we speak psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'mobility.sqlite3'}"

    @property
    def effective_jobs_namespace(self) -> str:
        return self.jobs_namespace or f"{self.redis_key_prefix}jobs"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def effective_signing_key_file(self) -> Path | None:
        """The configured keyring, or outside production (and with no PEM) a development one."""
        if self.signing_key_file is not None or self.pass_signing_key_pem.get_secret_value():
            return self.signing_key_file
        return None if self.is_production else self.var_dir / "signing-keys.json"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to reconfigure)."""
    return Settings()
