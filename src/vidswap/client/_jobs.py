"""What a video result means for `wait` and `download`, shared by both clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vidswap.client.errors import (
    ApiError,
    InvalidParameterError,
    ModerationError,
    NotFoundError,
    ServerError,
)
from vidswap.client.models import VideoResult, VideoStatus

Progress = Callable[[VideoResult], object]
GROWTH = 1.5  # each poll waits this much longer than the last, up to max_interval

ENDINGS: dict[int, tuple[type[ApiError], str]] = {
    VideoStatus.MODERATED: (ModerationError, "failed content moderation (credits refunded)"),
    VideoStatus.FAILED: (ServerError, "failed (credits refunded)"),
    VideoStatus.DELETED: (NotFoundError, "was deleted"),
}


def check(result: VideoResult) -> None:
    """Raises for a job that ended badly, or at a status this SDK does not know."""
    if result.status in (VideoStatus.SUCCEEDED, VideoStatus.GENERATING):
        return
    cls, what = ENDINGS.get(result.status, (ServerError, f"has unknown status {result.status}"))
    raise cls(result.err_msg or f"Video {result.id} {what}.", result=result)


def video_url(result: VideoResult) -> str:
    """The download URL of a finished video; an error when there is none (yet)."""
    check(result)
    if not result.done:
        progress = f", {result.progress}%" if result.progress is not None else ""
        msg = f"Video {result.id} is still generating{progress}: wait() for it first."
        raise InvalidParameterError(msg, result=result)
    if not result.url:
        raise ServerError(f"Video {result.id} succeeded without a URL.", result=result)
    return result.url


@dataclass
class Poll:
    """The schedule of `wait`: growing intervals, a deadline, a progress callback."""

    video_id: int
    timeout: float
    interval: float
    max_interval: float
    on_progress: Progress | None = None
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout

    def next_delay(self, result: VideoResult) -> float | None:
        """Seconds until the next poll; None once the video succeeded. Raises when it
        ended badly or the deadline passed."""
        if self.on_progress is not None:
            self.on_progress(result)
        check(result)
        if result.done:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            msg = f"Video {self.video_id} still generating after {self.timeout:g} s"
            raise TimeoutError(f"{msg} (progress {result.progress}%).")
        delay = min(self.interval, left)
        self.interval = min(self.interval * GROWTH, self.max_interval)
        return delay
