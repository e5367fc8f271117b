"""What `vidswap swap` says about the frames it swapped."""

from __future__ import annotations

import pytest

from vidswap.cli.output import Reporter, coverage
from vidswap.client import VideoResult


def test_coverage_line() -> None:
    result = VideoResult(id=1, status=1, swapped_frames=45, total_frames=90)
    assert coverage(result) == ["swapped 45 of 90 frames (50%)"]
    assert coverage(VideoResult(id=1, status=1)) == []  # a server that does not count them


def test_warning_on_stderr_for_people_only(capsys: pytest.CaptureFixture[str]) -> None:
    Reporter(as_json=False).warn("found in only 3 of 90 frames")
    Reporter(as_json=True).warn("not shown")
    out = capsys.readouterr()
    assert out.out == "" and "warning: found in only 3 of 90 frames" in out.err
    assert "not shown" not in out.err
