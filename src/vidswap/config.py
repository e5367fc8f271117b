"""All settings in one validated class; every field maps to a `VIDSWAP_` environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server, worker and CLI settings. Read once at start, then passed around explicitly."""

    model_config = SettingsConfigDict(env_prefix="VIDSWAP_", extra="ignore")

    data_dir: Path = Field(default=Path(".vidswap"), description="Database, blobs and secrets.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir.")
    public_url: str = Field(
        default="", description="Base of returned URLs; empty = http://host:port."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    secret_key: str = Field(
        default="", description="Signs blob URLs; empty = generated in data_dir."
    )
    url_fetch_allow_hosts: list[str] = Field(
        default_factory=list, description="Hosts exempt from the private-address refusal."
    )
    url_fetch_timeout_s: float = Field(default=30.0, gt=0)
    signed_url_ttl_s: int = Field(default=24 * 3600, gt=0)
    api_key_cache_s: float = Field(default=2.0, ge=0, description="How long a key is trusted.")
    trace_replay_ttl_s: int = Field(default=24 * 3600, gt=0)

    image_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    image_max_side: int = Field(default=4000, gt=0)
    image_max_pixels: int = Field(default=4000 * 4000, gt=0)
    media_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    media_max_seconds: float = Field(default=30.0, gt=0)
    video_max_side: int = Field(default=1920, gt=0)

    executor: Literal["local"] = "local"
    workers: int = Field(default=1, ge=0, le=64)
    job_lease_s: float = Field(default=15.0, gt=0)
    job_heartbeat_s: float = Field(default=1.0, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    job_plugins: list[str] = Field(
        default_factory=list, description="Modules imported at worker start to register job kinds."
    )
    warm_engines: bool = Field(default=True, description="Load vision models at start-up.")
    default_concurrency: int = Field(default=5, ge=1)
    swap_prices: dict[str, int] = Field(
        default={"360p": 9, "540p": 10, "720p": 12},
        description="Credits per started second of swap output, by quality.",
    )
    demo_credits: int = Field(default=10_000, ge=0)

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vidswap.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
