"""The only code that changes a job's status: queued -> running -> succeeded|failed|moderated.

Each transition locks the row, checks the state it expects, sets timestamps and progress,
and refunds credits on failure or moderation, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vidswap.domain import credits
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Job

ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Claim:
    job_id: int
    kind: str
    params: dict[str, Any]
    attempt: int


def _locked(session: Session, job_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id).with_for_update())


def claimable_ids(db: Database, limit: int = 10) -> list[int]:
    """Queued jobs and running jobs whose lease expired, oldest first."""
    now = utcnow()
    with db.read() as session:
        rows = session.scalars(
            select(Job.id)
            .where(
                or_(
                    Job.status == "queued",
                    (Job.status == "running") & (Job.lease_until < now),
                )
            )
            .order_by(Job.created_at)
            .limit(limit)
        )
        return list(rows)


def claim(db: Database, job_id: int, worker: str, lease_s: float) -> Claim | None:
    """Takes the job for `worker`, or None when it is not claimable (a duplicate delivery).

    A job whose attempts are used up is failed with a refund instead of being run again.
    """
    now = utcnow()
    with db.write() as session:
        job = _locked(session, job_id)
        if job is None or job.status not in ACTIVE:
            return None
        if job.status == "running" and job.lease_until is not None and job.lease_until > now:
            return None
        if job.attempts >= job.max_attempts:
            _finish(session, job, "failed", f"The job was interrupted {job.attempts} times.")
            return None
        job.status = "running"
        job.attempts += 1
        job.worker = worker
        job.lease_until = now + timedelta(seconds=lease_s)
        job.started_at = job.started_at or now
        job.updated_at = now
        return Claim(job.id, job.kind, dict(job.params), job.attempts)


def heartbeat(db: Database, job_id: int, worker: str, lease_s: float, progress: int) -> str:
    """Extends the lease and stores progress. Returns 'ok', 'cancel' or 'lost'."""
    now = utcnow()
    with db.write() as session:
        job = _locked(session, job_id)
        if job is None or job.status != "running" or job.worker != worker:
            return "lost"
        job.lease_until = now + timedelta(seconds=lease_s)
        job.progress = max(job.progress, progress)
        job.updated_at = now
        return "cancel" if job.cancel_requested else "ok"


def succeed(db: Database, job_id: int, worker: str, result: dict[str, Any]) -> bool:
    with db.write() as session:
        job = _locked(session, job_id)
        if job is None or job.status != "running" or job.worker != worker:
            return False
        job.result = result
        job.progress = 100
        _finish(session, job, "succeeded", "")
        return True


def fail(db: Database, job_id: int, worker: str | None, error: str, status: str = "failed") -> bool:
    """Ends a job at `failed` or `moderated` and refunds it; `worker=None` for any owner."""
    with db.write() as session:
        job = _locked(session, job_id)
        if job is None or job.status not in ACTIVE:
            return False
        if worker is not None and job.worker != worker:
            return False
        _finish(session, job, status, error)
        return True


def _finish(session: Session, job: Job, status: str, error: str) -> None:
    now = utcnow()
    if status != "succeeded" and job.credits and "refunded" not in error:
        error = f"{error} The {job.credits} credits were refunded.".strip()
    job.status = status
    job.error = error
    job.lease_until = None
    job.finished_at = now
    job.updated_at = now
    if status != "succeeded":
        account = credits.lock_account(session, job.account_id)
        credits.refund(session, account, job.id)
