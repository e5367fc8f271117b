"""Shared benchmark plumbing: server subprocesses on loopback, result files, tables."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A server subprocess on 127.0.0.1, ready once `ready_path` answers 200."""

    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], port: int, log_path: Path
    ) -> None:
        self.name, self.cmd, self.port, self.log_path = name, cmd, port, log_path
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.url = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, ready_path: str, timeout: float = 60.0) -> Server:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=log, stderr=log, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log()}")
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def vidswap_server(data_dir: Path, name: str = "vidswap") -> Server:
    """`vidswap serve` exactly as shipped, on its own data dir, without job workers."""
    port = free_port()
    env = {
        "VIDSWAP_DATA_DIR": str(data_dir),
        "VIDSWAP_DATABASE_URL": "",
        "VIDSWAP_HOST": HOST,
        "VIDSWAP_PORT": str(port),
        "VIDSWAP_WORKERS": "0",
    }
    cmd = [sys.executable, "-m", "vidswap.cli", "serve"]
    return Server(name, cmd, env, port, data_dir / f"{name}.log")


def bare_server(app: str, work_dir: Path, name: str) -> Server:
    """A bare FastAPI app from `bench._bare`, served by uvicorn with `vidswap serve`'s options."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench._bare", app, "--port", str(port), "--dir", str(work_dir)]
    return Server(name, cmd, {}, port, work_dir / f"{name}.log")


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_child(cmd: Sequence[str]) -> dict[str, Any]:
    """Runs a benchmark's child process (a fresh process, so its peak RSS is its own)
    from the repository root; returns the JSON object it printed last."""
    out = subprocess.run(list(cmd), cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
