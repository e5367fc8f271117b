"""`run_job`: claim a row, run its kind with a heartbeat, finish it through `task`."""

from __future__ import annotations

import logging
import threading

from vidswap.errors import VidswapError
from vidswap.jobs import kinds, task
from vidswap.jobs.kinds import JobCancelled, JobContext, JobModerated, LeaseLost
from vidswap.jobs.resources import Resources
from vidswap.storage.db import Database

log = logging.getLogger(__name__)


class _Heartbeat(threading.Thread):
    """Extends the lease and writes progress every `interval`; stops the job if told to."""

    def __init__(
        self, db: Database, ctx: JobContext, worker: str, lease_s: float, interval: float
    ) -> None:
        super().__init__(name=f"heartbeat-{ctx.job_id}", daemon=True)
        self.db, self.ctx, self.worker = db, ctx, worker
        self.lease_s, self.interval = lease_s, interval
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                state = task.heartbeat(
                    self.db, self.ctx.job_id, self.worker, self.lease_s, self.ctx.progress
                )
            except Exception:
                log.exception("heartbeat of job %s failed; will retry", self.ctx.job_id)
                continue
            if state == "cancel":
                self.ctx.stop(JobCancelled())
            elif state == "lost":
                self.ctx.stop(LeaseLost())


def run_job(
    db: Database,
    job_id: int,
    worker: str,
    *,
    lease_s: float,
    heartbeat_s: float,
    resources: Resources | None = None,
) -> bool:
    """Runs one job to an end state. False when the row was not ours to run."""
    claim = task.claim(db, job_id, worker, lease_s)
    if claim is None:
        return False
    ctx = JobContext(job_id=claim.job_id, attempt=claim.attempt, resources=resources)
    beat = _Heartbeat(db, ctx, worker, lease_s, heartbeat_s)
    beat.start()
    try:
        result = kinds.get(claim.kind)(ctx, claim.params)
    except LeaseLost:
        log.warning("job %s: lease lost, leaving it to its new owner", job_id)
    except JobModerated as exc:
        task.fail(db, job_id, worker, exc.message, status="moderated")
    except VidswapError as exc:
        task.fail(db, job_id, worker, exc.message)
    except Exception:
        log.exception("job %s crashed", job_id)
        task.fail(
            db,
            job_id,
            worker,
            "Generation failed because of an internal error. "
            "Trying again may work; the server log has the details.",
        )
    else:
        task.succeed(db, job_id, worker, result)
    finally:
        beat.done.set()
        beat.join()
    return True
