"""What a moderation engine promises."""

from __future__ import annotations

from typing import Protocol

from vidswap.media.frames import Frame


class Moderator(Protocol):
    name: str
    kind: str  # "moderate"

    def setup(self) -> None: ...

    def close(self) -> None: ...

    def flagged(self, rgb: Frame) -> list[str]:
        """Labels of the explicit content found in `rgb` (HxWx3 uint8); empty when clean."""
        ...
