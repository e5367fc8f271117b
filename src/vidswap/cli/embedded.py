"""The whole service inside the CLI's own process, so `vidswap swap` needs nothing else.

It is the real server (`create_app`, its worker processes, the data directory of
`VIDSWAP_DATA_DIR`), listening on a free loopback port for as long as one command runs.
Its account's key is kept in the data directory, so credits and history carry over
from one run to the next.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.errors import InvalidApiKey, VidswapError
from vidswap.storage import migrate
from vidswap.storage.db import Database

if TYPE_CHECKING:
    import uvicorn

KEY_FILE = "cli-key"  # in the data directory, readable by its owner only
START_TIMEOUT_S = 120.0  # models load while it starts


class EmbeddedServer:
    """`start()` it, use the URL and key it returns, `close()` it."""

    def __init__(self, settings: Settings | None = None) -> None:
        base = settings or Settings()
        self.settings = base.model_copy(
            update={"host": "127.0.0.1", "port": _free_port(), "public_url": ""}
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> tuple[str, str]:
        """Serves until `close`; returns (base URL, the CLI account's API key)."""
        key = self._account_key()
        self._serve()
        return self.settings.base_url, key

    def _account_key(self) -> str:
        """The key of this data directory's CLI account, created on first use."""
        db = Database.from_settings(self.settings)
        try:
            migrate.upgrade(db)
            path = self.settings.data_dir / KEY_FILE
            key = path.read_text().strip() if path.exists() else ""
            try:
                accounts.authenticate(db, key)
                return key
            except InvalidApiKey:
                pass
            _id, key = accounts.create_account(
                db,
                "cli",
                package=self.settings.demo_credits,
                concurrency=self.settings.default_concurrency,
            )
            _write_private(path, key)
            return key
        finally:
            db.dispose()

    def _serve(self) -> None:
        import uvicorn  # (the server's imports are heavy; only this mode needs them)

        from vidswap.api.app import create_app

        config = uvicorn.Config(
            create_app(self.settings),
            host=self.settings.host,
            port=self.settings.port,
            log_level="warning",
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, name="embedded-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise VidswapError("The embedded server did not start; see the messages above.")
            time.sleep(0.05)

    def close(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)
        self._server = self._thread = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")
