"""Requests/s of `GET /openapi/v2/video/result/{id}` against a bare FastAPI JSON endpoint.

Goal: one uvicorn worker serving vidswap reaches at least half the requests/s of a bare
`@app.get("/ping")` app served the same way, with p99 under 50 ms at 32 connections.

Both servers are real subprocesses on 127.0.0.1 (`python -m vidswap.cli serve` with its own
temp data dir and no job workers; `python -m bench._bare ping` with the same `uvicorn.run`
call). The load generator is `wrk` when installed, else `bench._loadgen`, in its own process.
Rounds alternate the order (ABBA) so drift on a shared machine hits both sides alike.

    .venv/bin/python -m bench.result_rps [--rounds 2] [--duration 10] [--warmup 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench._common import Server, bare_server, environment, table, vidswap_server, write_results
from vidswap.config import Settings
from vidswap.domain import accounts, jobs
from vidswap.storage import migrate
from vidswap.storage.db import Database

NAME = "result_rps"
GOAL_RATIO = 0.5
GOAL_P99_MS = 50.0

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_s": %.6f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "errors_status": %d, "errors_other": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def seed(data_dir: Path) -> tuple[str, int]:
    """An account and one queued job in the server's SQLite database: (api key, job id)."""
    settings = Settings(data_dir=data_dir, database_url="", workers=0)
    db = Database.from_settings(settings)
    try:
        migrate.upgrade(db)
        account_id, key = accounts.create_account(db, "bench")
        params = {"prompt": "benchmark", "seed": 7}
        job = jobs.accept(db, account_id, "test.sleep", params, price=0, max_attempts=1)
        return key, job.id
    finally:
        db.dispose()


class LoadGen:
    def __init__(self, kind: str, connections: int, work_dir: Path) -> None:
        if kind == "auto":
            kind = "wrk" if shutil.which("wrk") else "python"
        if kind == "wrk" and not shutil.which("wrk"):
            raise SystemExit("wrk is not installed (apt-get install -y wrk), use --loadgen python")
        self.kind, self.connections = kind, connections
        self.script = work_dir / "report.lua"
        self.script.write_text(WRK_SCRIPT)

    def run(self, url: str, headers: dict[str, str], seconds: float) -> dict[str, Any]:
        hdrs = [f"{k}: {v}" for k, v in headers.items()]
        if self.kind == "wrk":
            cmd = ["wrk", "-t1", f"-c{self.connections}", f"-d{seconds:g}s", "--timeout", "10s"]
            cmd += [a for h in hdrs for a in ("-H", h)] + ["-s", str(self.script), url]
        else:
            cmd = [sys.executable, "-m", "bench._loadgen", url]
            cmd += ["--connections", str(self.connections), "--duration", str(seconds)]
            cmd += [a for h in hdrs for a in ("--header", h)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
        line = next(
            (ln for ln in out.stdout.splitlines() if ln.startswith(("BENCHJSON ", "{"))), None
        )
        if line is None:
            raise RuntimeError(f"no result from {cmd[0]}:\n{out.stdout}\n{out.stderr}")
        result: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
        result["rps"] = result["requests"] / result["duration_s"]
        return result


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def busy_cores_seconds() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def measure(
    gen: LoadGen, server: Server, path: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    url = server.url + path
    gen.run(url, headers, args.warmup)
    proc = psutil.Process(server.pid)
    cpu0, gen0, all0 = cpu_seconds(proc), children_cpu(), busy_cores_seconds()
    result = gen.run(url, headers, args.duration)
    cpu1, gen1, all1 = cpu_seconds(proc), children_cpu(), busy_cores_seconds()
    seconds = result["duration_s"]
    result["server_cpu_pct"] = 100 * (cpu1 - cpu0) / seconds
    result["loadgen_cpu_pct"] = 100 * (gen1 - gen0) / seconds
    # Everything else on the machine (other users' jobs): the noise in this measurement.
    other = (all1 - all0) - (cpu1 - cpu0) - (gen1 - gen0)
    result["other_cpu_pct"] = max(0.0, 100 * other / seconds)
    # Server CPU per request: steadier than req/s when other jobs take CPU from the server.
    result["server_cpu_us_per_req"] = 1e6 * (cpu1 - cpu0) / max(1, result["requests"])
    return result


def check(server: Server, path: str, headers: dict[str, str], job_id: int | None) -> None:
    r = httpx.get(server.url + path, headers=headers, timeout=10)
    r.raise_for_status()
    body = r.json()
    if job_id is not None and (body.get("ErrCode") != 0 or body["Resp"]["id"] != job_id):
        raise RuntimeError(f"unexpected result body: {body}")


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_s"] for r in runs)
    return {
        "rps": requests / seconds,
        "p50_ms": sorted(r["p50_ms"] for r in runs)[len(runs) // 2],
        "p99_ms": max(r["p99_ms"] for r in runs),
        "server_cpu_pct": sum(r["server_cpu_pct"] for r in runs) / len(runs),
        "server_cpu_us_per_req": sum(r["server_cpu_pct"] / 100 * r["duration_s"] for r in runs)
        * 1e6
        / requests,
        "errors": sum(r["errors_status"] + r["errors_other"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vidswap-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        key, job_id = seed(data_dir)
        gen = LoadGen(args.loadgen, args.connections, work)
        targets = {
            "bare /ping": (bare_server("ping", work, "ping"), "/ping", {}, None),
            "vidswap result": (
                vidswap_server(data_dir),
                f"/openapi/v2/video/result/{job_id}",
                {"API-KEY": key},
                job_id,
            ),
        }
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        try:
            ready = {"bare /ping": "/ping", "vidswap result": "/healthz"}
            for name, (server, path, headers, expect) in targets.items():
                server.start(ready[name])
                check(server, path, headers, expect)
            order = list(targets)
            for i in range(args.rounds):
                for name in order if i % 2 == 0 else order[::-1]:
                    server, path, headers, _ = targets[name]
                    result = measure(gen, server, path, headers, args)
                    result["round"] = i + 1
                    runs[name].append(result)
                    print(
                        f"round {i + 1} {name}: {result['rps']:.0f} req/s, "
                        f"p99 {result['p99_ms']:.1f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
        finally:
            for server, *_ in targets.values():
                server.stop()

    base, vid = summarize(runs["bare /ping"]), summarize(runs["vidswap result"])
    ratio = vid["rps"] / base["rps"]
    cpu_ratio = base["server_cpu_us_per_req"] / vid["server_cpu_us_per_req"]
    round_ratios = [
        v["rps"] / b["rps"] for v, b in zip(runs["vidswap result"], runs["bare /ping"], strict=True)
    ]
    goals = {
        f"ratio >= {GOAL_RATIO}": ratio >= GOAL_RATIO,
        f"p99 < {GOAL_P99_MS:g} ms": vid["p99_ms"] < GOAL_P99_MS,
    }

    rows = []
    for name, rs in runs.items():
        for r in rs:
            rows.append(
                [
                    f"{name} (round {r['round']})",
                    f"{r['rps']:.0f}",
                    f"{r['p50_ms']:.2f}",
                    f"{r['p99_ms']:.2f}",
                    f"{r['server_cpu_pct']:.0f}%",
                    f"{r['server_cpu_us_per_req']:.0f}",
                    f"{r['loadgen_cpu_pct']:.0f}%",
                    f"{r['other_cpu_pct']:.0f}%",
                    r["errors_status"] + r["errors_other"],
                ]
            )
    for name, s in (("bare /ping", base), ("vidswap result", vid)):
        rows.append(
            [
                f"{name} (all)",
                f"{s['rps']:.0f}",
                f"{s['p50_ms']:.2f}",
                f"{s['p99_ms']:.2f}",
                f"{s['server_cpu_pct']:.0f}%",
                f"{s['server_cpu_us_per_req']:.0f}",
                "",
                "",
                s["errors"],
            ]
        )
    heads = ["target", "req/s", "p50 ms", "p99 ms", "server cpu", "cpu us/req", "loadgen cpu"]
    heads += ["other cpu", "errors"]
    print(
        f"\nGET result vs bare /ping: 1 uvicorn worker, {args.connections} connections, "
        f"{args.rounds} x {args.duration:g} s (after {args.warmup:g} s warm-up), "
        f"load generator: {gen.kind}"
    )
    print(table(heads, rows))
    print("(cpu columns: 100% = one core; other cpu = every other process on the machine)")
    per_round = ", ".join(f"{r:.3f}" for r in round_ratios)
    print(f"\nratio vidswap/bare: {ratio:.3f} (per round: {per_round})")
    print(f"ratio of server CPU per request, bare/vidswap: {cpu_ratio:.3f}")
    for goal, met in goals.items():
        print(f"goal {goal}: {'MET' if met else 'MISSED'}")

    path = write_results(
        NAME,
        {
            "benchmark": NAME,
            "environment": environment(),
            "config": {**vars(args), "loadgen": gen.kind},
            "runs": runs,
            "summary": {"bare": base, "vidswap": vid},
            "ratio": ratio,
            "round_ratios": round_ratios,
            "cpu_per_request_ratio": cpu_ratio,
            "goals": goals,
            "measured_at": time.time(),
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
