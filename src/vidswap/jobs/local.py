"""The `local` executor: worker processes (spawned, CUDA-safe) supervised by the server.

Workers poll the `jobs` table for claimable rows (queued, or running with an expired
lease), so a job survives a killed server: the next server's workers pick it up once its
lease runs out. `submit` only wakes a worker early.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
from multiprocessing.process import BaseProcess
from typing import Any

from vidswap.config import Settings
from vidswap.jobs import kinds, task
from vidswap.jobs.resources import Resources
from vidswap.jobs.runner import run_job
from vidswap.storage.db import Database

log = logging.getLogger(__name__)
BUILTIN_KINDS = ["vidswap.jobs.swap"]
POLL_S = 1.0


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        log.warning("prctl unavailable; worker relies on its parent-alive check")


def worker_loop(settings: Settings, wake: Any, name: str) -> None:
    """Entry point of a worker process: claim and run jobs until the parent goes away."""
    _die_with_parent()
    parent = os.getppid()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name} %(message)s")
    kinds.load_plugins([*BUILTIN_KINDS, *settings.job_plugins])
    db = Database.from_settings(settings)
    resources = Resources.for_worker(settings, db)
    while os.getppid() == parent:
        ran = any(
            run_job(
                db,
                job_id,
                name,
                lease_s=settings.job_lease_s,
                heartbeat_s=settings.job_heartbeat_s,
                resources=resources,
            )
            for job_id in task.claimable_ids(db)
        )
        if not ran:
            with contextlib.suppress(queue.Empty):
                wake.get(timeout=POLL_S)


class LocalExecutor:
    """Starts `settings.workers` processes and restarts any that die."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._wake: Any = self._ctx.Queue()
        self._procs: dict[str, BaseProcess] = {}
        self._stop = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> None:
        for i in range(self.settings.workers):
            self._spawn(f"worker-{os.getpid()}-{i}")
        if self.settings.workers:
            self._supervisor.start()

    def _spawn(self, name: str) -> None:
        proc = self._ctx.Process(
            target=worker_loop, args=(self.settings, self._wake, name), name=name, daemon=True
        )
        proc.start()
        self._procs[name] = proc

    def _supervise(self) -> None:
        while not self._stop.wait(POLL_S):
            for name, proc in list(self._procs.items()):
                if not proc.is_alive() and not self._stop.is_set():
                    log.warning("%s exited with %s; restarting it", name, proc.exitcode)
                    self._spawn(name)

    def submit(self, job_id: int) -> None:
        self._wake.put(job_id)

    def stop(self) -> None:
        self._stop.set()
        for proc in self._procs.values():
            proc.terminate()
        for proc in self._procs.values():
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self._procs.clear()
