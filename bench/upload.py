"""A 50 MB video through `POST /openapi/v2/media/upload` against a bare streaming endpoint.

Goals: the server's peak RSS grows by at most 30 MB during the upload (sampled with psutil
every few ms; baseline = RSS right before), and end-to-end throughput over loopback, probe
and store included, is at least 100 MB/s. The baseline for the ratio is a bare uvicorn app
that streams the same bytes to a file (`async for chunk in request.stream()`), measured in
the same run. MB means 2**20 bytes throughout.

Both servers are real subprocesses on 127.0.0.1 (`python -m vidswap.cli serve` with its own
temp data dir and no job workers; `python -m bench._bare sink` with the same `uvicorn.run`
call). The client sends a prebuilt multipart body over a plain socket, so the same bytes
go to both and the client does as little work as possible.

    .venv/bin/python -m bench.upload [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import av
import numpy as np
import psutil

from bench._common import Server, bare_server, environment, table, vidswap_server, write_results
from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.media.probe import probe
from vidswap.storage import migrate
from vidswap.storage.db import Database

NAME = "upload"
MB = 2**20
LIMIT = 50 * MB
TARGET = LIMIT - 16 * 1024  # just under the 50 MB limit
GOAL_RSS_MB = 30.0
GOAL_MBPS = 100.0
SAMPLE_S = 0.002


def make_clip(path: Path, target: int, size: tuple[int, int] = (1280, 720), fps: int = 25) -> Path:
    """An h264 mp4 of `target` bytes: noisy frames (they compress badly) at a high bitrate.

    Frames are added until the next would overshoot; a trailing `free` box (which every
    MP4 reader skips) then brings the file to exactly `target` bytes.
    """
    width, height = size
    rng = np.random.default_rng(0)
    written, largest, frames = 0, 0, 0
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(
            "libx264",
            rate=fps,
            options={"preset": "ultrafast", "tune": "zerolatency", "qp": "30"},
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        # Headroom for the index (moov) the muxer writes at the end: ~20 bytes a frame.
        while written + 2 * largest + 64 * 1024 < target and frames < 30 * fps:
            plane = rng.integers(0, 64, (height * 3 // 2, width), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(plane, format="yuv420p")
            for packet in stream.encode(frame):
                written += packet.size
                largest = max(largest, packet.size)
                out.mux(packet)
            frames += 1
        for packet in stream.encode():
            out.mux(packet)
    pad = target - path.stat().st_size
    if pad >= 8:
        with path.open("ab") as f:
            f.write(struct.pack(">I4s", pad, b"free") + bytes(pad - 8))
    return path


def multipart(field: str, filename: str, ctype: str, data: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n"
    ).encode()
    return (
        f"multipart/form-data; boundary={boundary}",
        head + data + f"\r\n--{boundary}--\r\n".encode(),
    )


def post(url: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 POST on a fresh connection: (status, response body)."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in {**headers, "Content-Length": str(len(body))}.items()]
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        # If the server answers early (an error), read what it said.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(memoryview(body))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, rest


def _hwm(pid: int) -> int | None:
    """The kernel's peak-RSS mark (VmHWM) of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def _reset_hwm(pid: int) -> bool:
    """Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Samples a process's RSS in a thread until stopped; `peak` is the largest seen.

    Where Linux lets us reset the process's peak-RSS mark first, `hwm_peak` is the exact
    peak from the kernel, which catches spikes shorter than the sampling interval.
    """

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.hwm_reset = _reset_hwm(pid)
        self.before = self.peak = self.proc.memory_info().rss
        self.hwm_peak: int | None = None
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self.samples += 1
            time.sleep(SAMPLE_S)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)
        if self.hwm_reset:
            self.hwm_peak = _hwm(self.proc.pid)
            if self.hwm_peak is not None:
                self.peak = max(self.peak, self.hwm_peak)


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


class Target:
    def __init__(self, name: str, server: Server, path: str, headers: dict[str, str]) -> None:
        self.name, self.server, self.path, self.headers = name, server, path, headers

    def upload(self, ctype: str, body: bytes, check_size: int) -> dict[str, Any]:
        headers = {**self.headers, "Content-Type": ctype}
        if "API-KEY" in headers:
            headers["Ai-trace-id"] = uuid.uuid4().hex
        proc = psutil.Process(self.server.pid)
        time.sleep(0.5)  # let the previous request's garbage settle before the baseline
        cpu0 = cpu_seconds(proc)
        with RssSampler(self.server.pid) as rss:
            start = time.perf_counter()
            status, resp = post(self.server.url, self.path, headers, body)
            seconds = time.perf_counter() - start
        cpu = cpu_seconds(proc) - cpu0
        parsed = json.loads(resp)
        ok = status == 200 and (
            parsed.get("bytes") == check_size
            or (parsed.get("ErrCode") == 0 and parsed["Resp"]["media_type"] == "video")
        )
        if not ok:
            raise RuntimeError(f"{self.name}: HTTP {status} {resp[:300]!r}")
        return {
            "bytes": len(body),
            "seconds": seconds,
            "mb_per_s": len(body) / MB / seconds,
            "rss_before_mb": rss.before / MB,
            "rss_peak_mb": rss.peak / MB,
            "rss_growth_mb": (rss.peak - rss.before) / MB,
            "rss_samples": rss.samples,
            "rss_peak_from_kernel_hwm": rss.hwm_peak is not None,
            "server_cpu_s": cpu,
        }


def seed(data_dir: Path) -> str:
    settings = Settings(data_dir=data_dir, database_url="", workers=0)
    db = Database.from_settings(settings)
    try:
        migrate.upgrade(db)
        return accounts.create_account(db, "bench")[1]
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vidswap-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        key = seed(data_dir)
        t0 = time.perf_counter()
        clip = make_clip(work / "clip.mp4", TARGET)
        made_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        info = probe(clip)
        probe_s = time.perf_counter() - t0
        small = make_clip(work / "small.mp4", 256 * 1024, size=(320, 180))
        clip_bytes = clip.read_bytes()
        ctype, body = multipart("file", "clip.mp4", "video/mp4", clip_bytes)
        small_ctype, small_body = multipart("file", "small.mp4", "video/mp4", small.read_bytes())
        print(
            f"clip: {len(clip_bytes)} bytes ({len(clip_bytes) / MB:.2f} MB), "
            f"{info.width}x{info.height} {info.codec}, {info.frames} frames, "
            f"{info.duration:.1f} s; made in {made_s:.1f} s; "
            f"in-process probe {probe_s * 1e3:.0f} ms",
            file=sys.stderr,
        )

        sink_dir = work / "sink"
        sink_dir.mkdir()
        targets = [
            Target("bare stream-to-file", bare_server("sink", sink_dir, "sink"), "/sink", {}),
            Target(
                "vidswap media/upload",
                vidswap_server(data_dir),
                "/openapi/v2/media/upload",
                {"API-KEY": key},
            ),
        ]
        runs: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
        try:
            targets[0].server.start("/ping")
            targets[1].server.start("/healthz")
            for t in targets:  # warm up code paths with a small upload
                t.upload(small_ctype, small_body, len(small_body))
            for i in range(args.rounds):
                for t in targets if i % 2 == 0 else targets[::-1]:
                    result = t.upload(ctype, body, len(body))
                    result["round"] = i + 1
                    runs[t.name].append(result)
                    print(
                        f"round {i + 1} {t.name}: {result['mb_per_s']:.0f} MB/s, "
                        f"RSS +{result['rss_growth_mb']:.1f} MB",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            for t in targets:
                t.server.stop()

    vid = runs[targets[1].name]
    summary = {
        name: {
            "median_mb_per_s": statistics.median(r["mb_per_s"] for r in rs),
            "max_rss_growth_mb": max(r["rss_growth_mb"] for r in rs),
        }
        for name, rs in runs.items()
    }
    ratio = (
        summary[targets[1].name]["median_mb_per_s"] / summary[targets[0].name]["median_mb_per_s"]
    )
    goals = {
        f"RSS growth <= {GOAL_RSS_MB:g} MB": max(r["rss_growth_mb"] for r in vid) <= GOAL_RSS_MB,
        f"throughput >= {GOAL_MBPS:g} MB/s": summary[targets[1].name]["median_mb_per_s"]
        >= GOAL_MBPS,
    }

    rows = []
    for name, rs in runs.items():
        for r in rs:
            rows.append(
                [
                    f"{name} (round {r['round']})",
                    f"{r['seconds'] * 1e3:.0f}",
                    f"{r['mb_per_s']:.0f}",
                    f"{r['rss_before_mb']:.1f}",
                    f"{r['rss_peak_mb']:.1f}",
                    f"{r['rss_growth_mb']:.1f}",
                    f"{r['server_cpu_s'] * 1e3:.0f}",
                ]
            )
    for name, s in summary.items():
        rows.append(
            [
                f"{name} (median / max)",
                "",
                f"{s['median_mb_per_s']:.0f}",
                "",
                "",
                f"{s['max_rss_growth_mb']:.1f}",
                "",
            ]
        )
    heads = ["target", "ms", "MB/s", "RSS before", "RSS peak", "RSS growth", "server cpu ms"]
    hwm = all(r["rss_peak_from_kernel_hwm"] for rs in runs.values() for r in rs)
    how = "kernel VmHWM reset before each upload, and" if hwm else ""
    print(f"\n{len(body) / MB:.2f} MB multipart upload over loopback, {args.rounds} rounds")
    print(f"peak RSS: {how} psutil sampling every {SAMPLE_S * 1e3:g} ms")
    print(table(heads, rows))
    print(f"\nratio vidswap/bare throughput: {ratio:.3f}")
    for goal, met in goals.items():
        print(f"goal {goal}: {'MET' if met else 'MISSED'}")

    path = write_results(
        NAME,
        {
            "benchmark": NAME,
            "environment": environment(),
            "config": vars(args),
            "clip": {
                "bytes": len(clip_bytes),
                "body_bytes": len(body),
                "width": info.width,
                "height": info.height,
                "codec": info.codec,
                "frames": info.frames,
                "duration_s": info.duration,
                "in_process_probe_s": probe_s,
            },
            "runs": runs,
            "summary": summary,
            "ratio": ratio,
            "goals": goals,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
