"""Settings, read once from ``CICA_*`` environment variables (and an optional ``.env``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CICA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./cica.db",
        description="SQLAlchemy URL. `postgresql://` URLs use the psycopg 3 driver.",
    )
    db_pool_size: int = Field(default=5, ge=1, description="Connections kept per process.")
    db_max_overflow: int = Field(default=10, ge=0, description="Extra connections under load.")
    db_pool_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a pooled connection."
    )
    db_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds any database wait may take: connecting, a statement (PostgreSQL), "
        "a lock (SQLite), and the readiness probe's and version poll's answer.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base of every absolute URL in bodies and `Link` headers; request headers "
        "(`Host`, `X-Forwarded-*`, `Forwarded`) never shape them.",
    )
    contact_url: str = Field(
        default="https://cica-data-api.example/issues",
        description="Where users report a wrong fact or a problem (an issue tracker or a "
        "form): the OpenAPI document's `info.contact`.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of proxies whose `X-Forwarded-For`/`-Proto` "
        "uvicorn trusts for the client address (logs, rate limits) and scheme; empty trusts "
        "none.",
    )
    write_origins: str = Field(
        default="",
        description="Comma-separated origins (`https://admin.example.org`) whose web pages may "
        "call the write routes (POST, PATCH, DELETE) with CORS; empty allows none. Reads are "
        "open to every origin whatever this says.",
    )
    write_max_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        description="Largest request body a write accepts, in bytes (413 past it).",
    )
    max_connections: int = Field(
        default=1000,
        ge=2,
        description="Open connections per worker (uvicorn's `limit_concurrency`): past it the "
        "connection idle longest is closed, or, when every one is busy, the new one gets a 503.",
    )
    seed_empty: bool = Field(
        default=True, description="Seed an empty database at start-up (`serve --no-seed`)."
    )
    sources_dir: Path | None = Field(
        default=None,
        description="Directory of the source documents (the project's `../shared/seeds`): "
        "`seed` and `check-sources` check every quote against them.",
    )
    log_level: str = Field(default="info", description="uvicorn / application log level.")
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Response cache per process, in bytes of everything it holds (0 turns it "
        "off; HTTP semantics stay the same).",
    )
    version_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        description="How often each process re-reads the dataset version (cache coherence).",
    )
    access_log: bool = Field(
        default=True,
        description="One JSON line per request on stdout (buffered, written every 100 ms); "
        "independent of `log_level`.",
    )
    metrics: bool = Field(default=True, description="Export Prometheus metrics (`on`/`off`).")
    metrics_port: int = Field(
        default=9300,
        ge=0,
        le=65535,
        description="The metrics' own port, on `CICA_METRICS_HOST`; each worker takes the "
        "first free port from here upwards (0: any free port).",
    )
    review_after_months: int = Field(
        default=12,
        ge=1,
        le=1200,
        description="A record whose current state no source dated within this many months "
        "attests is flagged `needs_review` (`not-attested`).",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address the metrics port binds: loopback, so only this machine's "
        "scraper reads them; `0.0.0.0` to let a scraper elsewhere in.",
    )
    metrics_on_api_port: bool = Field(
        default=False,
        description="Serve the metrics at `/metrics` on the API's port instead of a port of "
        "their own (off: `/metrics` on the API's port is a 404). Never sent with CORS.",
    )

    redis_url: str | None = Field(
        default=None,
        description="Redis for the rate-limit counters every replica shares "
        "(`redis://host:6379/0`); unset, each process counts in its own memory.",
    )
    redis_prefix: str = Field(
        default="cica:", description="Prefix of every Redis key the API writes."
    )
    redis_timeout: float = Field(
        default=0.25,
        gt=0,
        description="Seconds a Redis call may take (connecting included) before the process "
        "counts in its own memory instead, until Redis answers again.",
    )
    rate_limits: bool = Field(default=True, description="Enforce the rate limits (`on`/`off`).")
    rate_limit_anonymous: int = Field(
        default=1200,
        ge=1,
        description="Requests per window for a client without a key, by address.",
    )
    rate_limit_anonymous_window: int = Field(
        default=60, ge=1, description="Seconds of the anonymous window."
    )
    rate_limit_partner: int = Field(
        default=12000, ge=1, description="Requests per window for each `partner` key."
    )
    rate_limit_partner_window: int = Field(
        default=60, ge=1, description="Seconds of the partner window."
    )
    rate_limit_write: int = Field(
        default=12000, ge=1, description="Requests per window for each `write` key."
    )
    rate_limit_write_window: int = Field(
        default=60, ge=1, description="Seconds of the write window."
    )

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, value: str) -> str:
        """Plain ``postgresql://`` URLs would pick psycopg2, which is not installed."""
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
