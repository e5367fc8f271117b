"""Run an iterator on a thread of its own, a few items ahead of its consumer.

The swap's stages (decode and track, render, encode) spend their time in native code that
releases the GIL, so on a machine with a few cores they overlap instead of taking turns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()
_POLL_S = 0.1


def prefetched(items: Iterator[T], depth: int = 4) -> Generator[T, None, None]:
    """Yields what `items` yields; its exceptions surface here. Closing this generator
    (or an exception in the consumer) stops the producer thread and waits for it."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_END)
        except BaseException as exc:  # handed to the consumer
            offer(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while (item := slots.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
