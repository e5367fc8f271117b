"""Database tables. Wire names (PixVerse) never appear here; see `api/schemas.py` for those."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime()}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    credit_monthly: Mapped[int] = mapped_column(Integer, default=0)
    credit_package: Mapped[int] = mapped_column(Integer, default=0)
    concurrency_limit: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LedgerEntry(Base):
    """One movement of credits. Deltas are signed; the account columns hold the running sum."""

    __tablename__ = "credit_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # grant | charge | refund
    monthly: Mapped[int] = mapped_column(Integer)
    package: Mapped[int] = mapped_column(Integer)
    ref_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # job or selection
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class Image(Base):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    blob_key: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Media(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    blob_key: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(8))  # video | audio
    container: Mapped[str] = mapped_column(String(16))
    codec: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[float] = mapped_column(Float)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Job(Base):
    """The source of truth for a generation: only `jobs/task.py` changes `status`."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_lease", "status", "lease_until"),
        Index("ix_jobs_account_status", "account_id", "status"),
        Index("ix_jobs_account_created", "account_id", "created_at"),  # the page's job list
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # queued|running|succeeded|failed|moderated
    params: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    error: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    lease_until: Mapped[datetime | None]
    worker: Mapped[str] = mapped_column(String(64), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TraceReplay(Base):
    """The first response to an (account, Ai-trace-id) POST, replayed for repeats."""

    __tablename__ = "trace_replays"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))  # pending | done
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(), index=True)


class Keyframe(Base):
    """A video frame with its candidate masks, computed once and shared by selections."""

    __tablename__ = "keyframes"
    __table_args__ = (UniqueConstraint("source_kind", "source_id", "number"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(8))  # media | video
    source_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)  # 1-based, as on the wire
    frame_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # name, key, bbox, area
    created_at: Mapped[datetime]


class SelectedMask(Base):
    """A mask handed out by one mask selection; a swap may use it only with its own video
    and keyframe."""

    __tablename__ = "masks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    keyframe_row: Mapped[int] = mapped_column(ForeignKey("keyframes.id"))
    source_kind: Mapped[str] = mapped_column(String(8))
    source_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(16))
    blob_key: Mapped[str] = mapped_column(String(200))
    bbox: Mapped[list[int]] = mapped_column(JSON)  # x, y, width, height
    area: Mapped[int] = mapped_column(Integer)  # pixels
    created_at: Mapped[datetime]
