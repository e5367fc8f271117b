"""Baseline apps for the benchmarks, served like `vidswap serve` serves vidswap.

`python -m bench._bare ping --port N`: `GET /ping` -> `{"ok": true}`, nothing else.
`python -m bench._bare sink --port N --dir D`: `POST /sink` streams the body to a file in D.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request


def ping_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


def sink_app(directory: Path) -> FastAPI:
    app = ping_app()

    @app.post("/sink")
    async def sink(request: Request) -> dict[str, int]:
        path = directory / f"sink-{os.getpid()}.bin"
        total = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                total += len(chunk)
                out.write(chunk)
        path.unlink()
        return {"bytes": total}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["ping", "sink"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, default=Path("."))
    args = parser.parse_args()
    app = ping_app() if args.app == "ping" else sink_app(args.dir)
    # The same call `vidswap serve` makes (vidswap.cli.serve), only the app differs.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
