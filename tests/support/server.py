"""A real `vidswap serve` process on 127.0.0.1 for tests that need one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.pg import free_port
from vidswap.config import Settings

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "VIDSWAP_PORT": str(self.port),
            "VIDSWAP_HOST": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(env["VIDSWAP_DATA_DIR"]) / f"server-{self.port}.log"

    def start(self, timeout: float = 30.0) -> LiveServer:
        Path(self.env["VIDSWAP_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "vidswap.cli", "serve"]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextmanager
def serving(settings: Settings, **env: str) -> Iterator[LiveServer]:
    """A server on `settings`' data dir and database, one worker, models loaded on first
    use; `env` adds or overrides VIDSWAP_ variables."""
    base = {
        "VIDSWAP_DATA_DIR": str(settings.data_dir),
        "VIDSWAP_DATABASE_URL": settings.sqlalchemy_url,
        "VIDSWAP_WORKERS": "1",
        "VIDSWAP_WARM_ENGINES": "false",
    }
    live = LiveServer({**base, **env}).start()
    try:
        yield live
    finally:
        live.stop()
