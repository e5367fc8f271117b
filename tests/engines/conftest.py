"""Fixtures shared by the engine tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidswap.engines import registry
from vidswap.engines.segment.base import Segmenter


@pytest.fixture(scope="module")
def engine() -> Iterator[Segmenter]:
    """The CPU segmentation engine, built once per test module (loading its models takes
    about a second)."""
    from vidswap.engines.segment.cpu import CpuSegmenter  # importing registers it

    built = registry.build("segment", "cpu")
    assert isinstance(built, CpuSegmenter)
    yield built
    built.close()
