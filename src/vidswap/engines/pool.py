"""The engines one process uses: built once (on first use or when warmed at start-up),
shared by requests, each guarded by a lock because model graphs are not re-entrant."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vidswap.engines import registry


class EnginePool:
    def __init__(self, engines: dict[str, Any] | None = None) -> None:
        """`engines` by kind, for tests that inject fakes; the rest come from the registry."""
        self._engines: dict[str, Any] = dict(engines or {})
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _get(self, kind: str) -> Any:
        with self._guard:
            if kind not in self._engines:
                _load_builtin(kind)
                self._engines[kind] = registry.build(kind)
            return self._engines[kind]

    def warm(self, *kinds: str) -> None:
        for kind in kinds:
            self._get(kind)

    @contextmanager
    def use(self, kind: str) -> Iterator[Any]:
        """The engine of `kind`, held exclusively for the duration of the block."""
        engine = self._get(kind)
        with self._guard:
            lock = self._locks.setdefault(kind, threading.Lock())
        with lock:
            yield engine

    def loaded(self) -> dict[str, str]:
        """Kind -> engine name of what this process has built, for /healthz."""
        with self._guard:
            return {kind: str(getattr(e, "name", "?")) for kind, e in self._engines.items()}

    def close(self) -> None:
        with self._guard:
            for engine in self._engines.values():
                engine.close()
            self._engines.clear()


BUILTIN = {
    "segment": "vidswap.engines.segment.cpu",
    "track": "vidswap.engines.track.cpu",
    "render": "vidswap.engines.render.cpu",
    "moderate": "vidswap.engines.moderate.nudenet",
}


def _load_builtin(kind: str) -> None:
    """Imports the module that registers the default engine of `kind` (heavy imports)."""
    import importlib

    if kind in BUILTIN:
        importlib.import_module(BUILTIN[kind])
