"""An executor for in-process API tests: runs each submitted job on a thread of the test
process, with the app's own services as the worker's resources (as a worker would)."""

from __future__ import annotations

import threading

from vidswap.api.deps import Services
from vidswap.jobs import kinds, local
from vidswap.jobs.resources import Resources
from vidswap.jobs.runner import run_job


class ThreadExecutor:
    def __init__(self) -> None:
        self.services: Services | None = None
        self._threads: list[threading.Thread] = []
        kinds.load_plugins(local.BUILTIN_KINDS)

    def bind(self, services: Services) -> None:
        self.services = services

    def submit(self, job_id: int) -> None:
        assert self.services is not None, "bind() the app's services first"
        svc = self.services
        resources = Resources(svc.settings, svc.db, svc.blobs, svc.engines)
        thread = threading.Thread(
            target=run_job,
            args=(svc.db, job_id, "test-thread"),
            kwargs={"lease_s": 60.0, "heartbeat_s": 0.2, "resources": resources},
        )
        self._threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=120)
