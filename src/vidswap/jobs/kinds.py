"""Registry of job kinds: a kind names the function a worker runs for a job row."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vidswap.errors import VidswapError

if TYPE_CHECKING:
    from vidswap.jobs.resources import Resources


class JobCancelled(VidswapError):
    default_message = "The job was cancelled."


class LeaseLost(VidswapError):
    default_message = "Another worker took over this job."


class JobModerated(VidswapError):
    """Raised by a job whose output failed moderation: ends at status 7 with a refund."""

    default_message = "The generated video failed content moderation."


@dataclass
class JobContext:
    """What a running job sees: its id, a progress setter, cancellation checks, and the
    worker's shared resources (None for kinds that need none, as in some tests)."""

    job_id: int
    attempt: int
    resources: Resources | None = None
    progress: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _reason: VidswapError | None = None

    def report(self, percent: float) -> None:
        """Records progress (0-100); the heartbeat writes it. Raises if the job must stop."""
        self.progress = max(0, min(100, round(percent)))
        self.check()

    def check(self) -> None:
        if self._reason is not None:
            raise self._reason

    def stop(self, reason: VidswapError) -> None:
        self._reason = reason
        self._stop.set()

    def need(self) -> Resources:
        if self.resources is None:
            raise VidswapError("This job needs a worker's resources and was run without them.")
        return self.resources

    def sleep(self, seconds: float) -> None:
        """Waits, but wakes up and raises as soon as the job must stop."""
        self._stop.wait(seconds)
        self.check()


JobFn = Callable[[JobContext, dict[str, Any]], dict[str, Any]]

_KINDS: dict[str, JobFn] = {}


def register(kind: str) -> Callable[[JobFn], JobFn]:
    def decorator(fn: JobFn) -> JobFn:
        _KINDS[kind] = fn
        return fn

    return decorator


def get(kind: str) -> JobFn:
    try:
        return _KINDS[kind]
    except KeyError:
        raise VidswapError(f"This server has no worker for jobs of kind {kind!r}.") from None


def load_plugins(modules: Iterable[str]) -> None:
    """Imports modules whose import registers kinds (built-in ones and test-only ones)."""
    for name in modules:
        importlib.import_module(name)
