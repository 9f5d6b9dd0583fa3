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
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of proxies whose `X-Forwarded-For`/`-Proto` "
        "uvicorn trusts for the client address and scheme in logs; empty trusts none.",
    )
    seed_empty: bool = Field(
        default=True, description="Seed an empty database at start-up (`serve --no-seed`)."
    )
    sources_dir: Path | None = Field(
        default=None,
        description="Directory of the source documents, for `check-sources` without an argument.",
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
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve the metrics on this port instead of at `/metrics` on the API's port; "
        "each worker takes the first free port from here upwards.",
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
        description="Address the metrics port binds (`serve` sets it to its `--host`).",
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
