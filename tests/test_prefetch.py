"""`prefetched`: same items, same errors, and no thread left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from vidswap.media.prefetch import prefetched


def counting(n: int, fail_at: int | None = None) -> Iterator[int]:
    for i in range(n):
        if i == fail_at:
            raise ValueError(f"broke at {i}")
        yield i


def test_yields_everything_in_order() -> None:
    assert list(prefetched(counting(100), depth=3)) == list(range(100))


def test_producer_errors_surface_after_the_items_before_them() -> None:
    seen = []
    with pytest.raises(ValueError, match="broke at 7"):
        for item in prefetched(counting(20, fail_at=7)):
            seen.append(item)
    assert seen == list(range(7))


def test_consumer_stopping_early_stops_and_closes_the_producer() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    before = threading.active_count()
    items = prefetched(endless(), depth=2)
    assert [next(items) for _ in range(5)] == [0, 1, 2, 3, 4]
    items.close()
    assert closed.is_set() and threading.active_count() == before
