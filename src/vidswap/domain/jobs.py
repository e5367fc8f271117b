"""Job use cases: accept a generation (limit check, charge, row) and read one back."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import func, select

from vidswap.domain import credits
from vidswap.domain.ids import new_id
from vidswap.errors import ConcurrencyLimit, NotFound
from vidswap.jobs.task import ACTIVE
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Job


class Executor(Protocol):
    def submit(self, job_id: int) -> None: ...


def accept(
    db: Database,
    account_id: int,
    kind: str,
    params: dict[str, Any],
    *,
    price: int,
    max_attempts: int,
) -> Job:
    """Checks the concurrency limit and balance, charges, and writes the queued row, atomically.

    The caller submits the returned job's id to an executor after this commits.
    """
    with db.write() as session:
        account = credits.lock_account(session, account_id)
        active = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.account_id == account_id, Job.status.in_(ACTIVE))
        )
        if (active or 0) >= account.concurrency_limit:
            raise ConcurrencyLimit()
        now = utcnow()
        job = Job(
            id=new_id(),
            account_id=account_id,
            kind=kind,
            status="queued",
            params=params,
            result={},
            error="",
            progress=0,
            attempts=0,
            max_attempts=max_attempts,
            worker="",
            cancel_requested=False,
            credits=price,
            created_at=now,
            updated_at=now,
        )
        credits.charge(session, account, price, job.id)
        session.add(job)
        return job


def get(db: Database, account_id: int, job_id: int) -> Job:
    """A job of this account; another account's job is indistinguishable from a missing one."""
    with db.read() as session:
        job = session.get(Job, job_id)
    if job is None or job.account_id != account_id:
        raise NotFound(f"No video with id {job_id}.")
    return job
