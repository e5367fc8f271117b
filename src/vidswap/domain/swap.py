"""Swap requests: validate everything (free), price the output, then accept the job.

Validation happens before any charge, so a bad request costs nothing and leaves no row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from vidswap.config import Settings
from vidswap.domain import jobs, masks
from vidswap.domain.videos import VideoSource
from vidswap.errors import InvalidImageId, InvalidParameter
from vidswap.media.frames import index_frames
from vidswap.storage.db import Database
from vidswap.storage.tables import Image, Job, SelectedMask

KIND = "swap"
HEIGHTS = {"360p": 360, "540p": 540, "720p": 720}


@dataclass(frozen=True)
class SwapRequest:
    source: VideoSource
    img_id: int
    quality: str
    keyframe: int  # 1-based, as on the wire
    mask_id: str | None


def output_size(width: int, height: int, quality: str) -> tuple[int, int]:
    """The source's aspect ratio with its short side at the quality's height, both even."""
    short = HEIGHTS[quality]
    scale = short / min(width, height)

    def even(x: float) -> int:
        return max(2, 2 * round(x / 2))

    return (even(width * scale), short) if width >= height else (short, even(height * scale))


def price(settings: Settings, quality: str, seconds: float) -> int:
    """Credits per started second of output (a hair over a whole second is not a new one)."""
    return settings.swap_prices[quality] * max(1, math.ceil(round(seconds, 3)))


def check_quality(settings: Settings, quality: str) -> None:
    if quality not in settings.swap_prices or quality not in HEIGHTS:
        offered = ", ".join(q for q in HEIGHTS if q in settings.swap_prices)
        raise InvalidParameter(f"quality must be one of {offered}; got {quality!r}.")


def submit(db: Database, settings: Settings, account_id: int, req: SwapRequest) -> Job:
    """Checks the image, keyframe and mask, then charges and queues the job atomically."""
    check_quality(settings, req.quality)
    image = _image(db, account_id, req.img_id)
    count = index_frames(req.source.path).count
    if not 1 <= req.keyframe <= count:
        raise InvalidParameter(
            f"keyframe_id must be between 1 and {count}: the video has {count} frames."
        )
    mask = _mask(db, account_id, req) if req.mask_id else None
    if mask is None:
        _check_person_known(db, req)
    width, height = output_size(req.source.width, req.source.height, req.quality)
    params: dict[str, Any] = {
        "source_kind": req.source.kind,
        "source_id": req.source.id,
        "source_key": req.source.blob_key,
        "img_id": image.id,
        "img_key": image.blob_key,
        "quality": req.quality,
        "keyframe": req.keyframe,
        "mask_id": mask.id if mask else "",
        "mask_key": mask.blob_key if mask else "",
        "mask_name": mask.name if mask else "person",
        "width": width,
        "height": height,
    }
    return jobs.accept(
        db,
        account_id,
        KIND,
        params,
        price=price(settings, req.quality, req.source.duration),
        max_attempts=settings.job_max_attempts,
    )


def _image(db: Database, account_id: int, img_id: int) -> Image:
    with db.read() as session:
        image = session.get(Image, img_id)
    if image is None or image.account_id != account_id:
        raise InvalidImageId(f"No image with id {img_id}: upload it with /image/upload first.")
    return image


def _mask(db: Database, account_id: int, req: SwapRequest) -> SelectedMask:
    with db.read() as session:
        mask = session.get(SelectedMask, req.mask_id)
    if mask is None or mask.account_id != account_id:
        raise InvalidParameter(f"No mask with id {req.mask_id!r}: get one from mask selection.")
    if (mask.source_kind, mask.source_id) != (req.source.kind, req.source.id):
        raise InvalidParameter(f"Mask {req.mask_id} was selected on another video.")
    if mask.number != req.keyframe:
        raise InvalidParameter(
            f"Mask {req.mask_id} was selected on keyframe {mask.number}, "
            f"not {req.keyframe}: send keyframe_id={mask.number}."
        )
    return mask


def _check_person_known(db: Database, req: SwapRequest) -> None:
    """Without a mask the first person is swapped; when this keyframe's candidates are
    already known and hold nobody, say so now rather than fail the job later."""
    row = masks.cached_keyframe(db, req.source, req.keyframe)
    if row is not None and not any(c["name"] == "person" for c in row.candidates):
        raise InvalidParameter(
            f"There is no person on keyframe {req.keyframe}: pick a mask_id from mask selection."
        )
