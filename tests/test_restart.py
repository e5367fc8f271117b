"""A real server killed with SIGKILL mid-job: the next server finishes the job or fails it
with a refund; it never stays at status 5."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import psutil
import pytest

from tests.conftest import API, Account, make_account
from tests.support.server import LiveServer
from vidswap.config import Settings
from vidswap.domain import credits, jobs
from vidswap.storage.db import Database
from vidswap.storage.tables import Job

pytestmark = pytest.mark.slow


@pytest.fixture
def server_env(settings: Settings) -> dict[str, str]:
    return {
        "VIDSWAP_DATA_DIR": str(settings.data_dir),
        "VIDSWAP_DATABASE_URL": settings.sqlalchemy_url,
        "VIDSWAP_WORKERS": "1",
        "VIDSWAP_WARM_ENGINES": "false",  # these jobs need no models
        "VIDSWAP_JOB_LEASE_S": "2",
        "VIDSWAP_JOB_HEARTBEAT_S": "0.2",
        "VIDSWAP_JOB_PLUGINS": json.dumps(["tests.support.jobkinds"]),
    }


@pytest.fixture
def servers(server_env: dict[str, str]) -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


def _wait(db: Database, job_id: int, done: Callable[[Job], bool], timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as s:
            row = s.get(Job, job_id)
        assert row is not None
        if done(row):
            return row
        time.sleep(0.1)
    raise AssertionError(f"job stuck at {row.status}, progress {row.progress}")


def _start(servers: list[LiveServer], env: dict[str, str]) -> LiveServer:
    server = LiveServer(env).start()
    servers.append(server)
    return server


def _kill_with_workers(server: LiveServer) -> None:
    assert server.proc is not None
    children = psutil.Process(server.proc.pid).children(recursive=True)
    assert children, "the server should have worker processes"
    server.kill()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "workers must die with their server"


@pytest.mark.parametrize(("max_attempts", "final"), [(3, "succeeded"), (1, "failed")])
def test_sigkill_mid_job(
    db: Database,
    servers: list[LiveServer],
    server_env: dict[str, str],
    max_attempts: int,
    final: str,
) -> None:
    first = _start(servers, server_env)
    acc: Account = make_account(db, credits=100)
    params = {"steps": 30, "step_s": 0.1}
    job = jobs.accept(db, acc.id, "test.sleep", params, price=10, max_attempts=max_attempts)
    running = _wait(db, job.id, lambda row: row.progress > 0)
    assert running.status == "running"
    _kill_with_workers(first)
    assert _wait(db, job.id, lambda row: True).status == "running"

    second = _start(servers, server_env)
    row = _wait(db, job.id, lambda row: row.status == final, timeout=60)
    assert row.attempts == (2 if final == "succeeded" else 1)
    expected = 90 if final == "succeeded" else 100
    assert credits.balance(db, acc.id).package == expected
    result = httpx.get(f"{second.url}{API}/video/result/{job.id}", headers=acc.headers()).json()
    assert result["Resp"]["status"] == (1 if final == "succeeded" else 8)
