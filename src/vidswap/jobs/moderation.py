"""Moderation of a swap's output beside its rendering.

Samples are checked on a thread of their own while later frames render, instead of all
at the end (NudeNet takes ~35 ms a sample: a 5 s clip's six samples were ~5% of its swap's
time, spent after the last frame). A flagged sample ends the job at the next frame
rendered, not after the whole video.
"""

from __future__ import annotations

import queue
import threading

from vidswap.engines.pool import EnginePool
from vidswap.jobs.kinds import JobModerated
from vidswap.media.frames import Frame


class Moderation:
    """Call `submit` for each sample, `finish` once all are in; `close` always."""

    def __init__(self, engines: EnginePool) -> None:
        self._engines = engines
        self._samples: queue.SimpleQueue[Frame | None] = queue.SimpleQueue()
        self._labels: list[str] = []
        self._failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="moderation", daemon=True)
        self._thread.start()

    def submit(self, sample: Frame) -> None:
        """Queues `sample`; raises if an earlier one was flagged (or could not be checked)."""
        self.raise_if_flagged()
        self._samples.put(sample)

    def finish(self) -> None:
        """Waits for every queued sample's verdict; raises if any was flagged."""
        self._samples.put(None)
        self._thread.join()
        self.raise_if_flagged()

    def close(self) -> None:
        """Stops checking (the verdicts no longer matter) and waits for the thread."""
        self._stop.set()
        self._samples.put(None)
        self._thread.join()

    def raise_if_flagged(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._labels:
            raise JobModerated(
                f"The generated video failed content moderation ({', '.join(self._labels)})."
            )

    def _run(self) -> None:
        while (sample := self._samples.get()) is not None:
            if self._stop.is_set() or self._labels or self._failure is not None:
                continue  # the verdict is in: drop the rest
            try:
                with self._engines.use("moderate") as moderator:
                    labels = moderator.flagged(sample)
            except BaseException as exc:  # handed to the job's thread
                self._failure = exc
                continue
            self._labels = sorted(set(labels))
