"""One registry of engines by kind and name; the CLI, /healthz and the server read it.

An engine has a two-phase life: `setup()` loads models once per process, then it is
called many times, then `close()` frees it. Importing this module loads no model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar


class Engine(Protocol):
    name: str
    kind: str

    def setup(self) -> None: ...

    def close(self) -> None: ...


E = TypeVar("E", bound=Engine)
Factory = Callable[[], Engine]

_FACTORIES: dict[tuple[str, str], Factory] = {}
DEFAULTS: dict[str, str] = {"segment": "cpu", "track": "cpu", "render": "cpu", "moderate": "cpu"}


def register(kind: str, name: str) -> Callable[[Callable[[], E]], Callable[[], E]]:
    """Decorates a factory (usually the engine class) under `(kind, name)`."""

    def decorator(factory: Callable[[], E]) -> Callable[[], E]:
        _FACTORIES[(kind, name)] = factory
        return factory

    return decorator


def available() -> dict[str, list[str]]:
    """Registered engine names by kind, for /healthz and the CLI."""
    out: dict[str, list[str]] = {}
    for kind, name in sorted(_FACTORIES):
        out.setdefault(kind, []).append(name)
    return out


def build(kind: str, name: str | None = None) -> Engine:
    """A new engine of `kind` (the default name unless given), already set up."""
    key = (kind, name or DEFAULTS[kind])
    try:
        factory = _FACTORIES[key]
    except KeyError:
        raise LookupError(f"No {kind} engine named {key[1]!r} is installed.") from None
    engine = factory()
    engine.setup()
    return engine
