"""What a tracking engine promises."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Protocol

from vidswap.media.frames import Frame, Mask


class Tracker(Protocol):
    name: str
    kind: str  # "track"

    def setup(self) -> None: ...

    def close(self) -> None: ...

    def track(
        self, video: Path, keyframe: int, mask: Mask, mask_kind: str
    ) -> Iterator[tuple[int, Mask]]:
        """Yields `(frame_number, mask)` for every frame of `video` in display order
        (0-based numbers, masks the size of the displayed frame, 255 = in), starting from
        `mask` on frame `keyframe`; `mask_kind` is person, object or background."""
        ...

    def follow(
        self, video: Path, keyframe: int, mask: Mask, mask_kind: str, *, max_side: int | None = None
    ) -> Generator[tuple[int, Frame, Mask], None, None]:
        """As `track`, with each displayed frame beside its mask, both scaled so their long
        side is at most `max_side` (the swap renders from these, decoding once)."""
        ...
