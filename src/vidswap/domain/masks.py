"""Mask selection: decode the keyframe, find candidate masks, store them, hand out ids.

Candidates are computed once per (video, keyframe) and reused; each selection still gets
its own mask ids (and its own charge, unless its Ai-trace-id repeats an earlier call).
"""

from __future__ import annotations

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vidswap.domain import credits
from vidswap.domain.ids import new_id
from vidswap.domain.videos import VideoSource, require_selectable
from vidswap.engines.pool import EnginePool
from vidswap.engines.segment.base import Candidate
from vidswap.errors import InternalError, InvalidParameter, VidswapError
from vidswap.media.frames import (
    Frame,
    FrameIndex,
    Mask,
    index_frames,
    nearby_gap,
    read_with_nearby,
)
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Keyframe, SelectedMask

PRICE = 2
NEARBY_SIDE = 640  # px: the motion cue's frame need not be sharper (segmenters shrink it)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    keyframe: int
    frame_key: str
    credits: int
    masks: list[SelectedMask]


def select_masks(
    db: Database,
    blobs: LocalBlobStore,
    engines: EnginePool,
    account_id: int,
    source: VideoSource,
    keyframe: int,
) -> Selection:
    """Validates (free), charges, computes or reuses the candidates; refunds on failure."""
    require_selectable(source)
    index = index_frames(source.path)
    count = index.count
    if not 1 <= keyframe <= count:
        raise InvalidParameter(
            f"keyframe_id must be between 1 and {count}: the video has {count} frames."
        )
    ref = new_id()
    with db.write() as session:
        credits.charge(session, credits.lock_account(session, account_id), PRICE, ref)
    try:
        row = cached_keyframe(db, source, keyframe) or _compute(
            db, blobs, engines, account_id, source, index, keyframe
        )
        masks = _hand_out(db, account_id, row)
    except BaseException as exc:
        with db.write() as session:
            credits.refund(session, credits.lock_account(session, account_id), ref)
        if isinstance(exc, VidswapError | KeyboardInterrupt | SystemExit):
            raise
        log.exception("mask selection failed on %s %s frame %s", source.kind, source.id, keyframe)
        raise InternalError(
            f"Mask selection failed on this keyframe; the {PRICE} credits were refunded."
        ) from None
    return Selection(keyframe, row.frame_key, PRICE, masks)


def cached_keyframe(db: Database, source: VideoSource, number: int) -> Keyframe | None:
    """The keyframe row (with its candidates) when a selection has seen this frame."""
    with db.read() as session:
        return session.scalar(
            select(Keyframe).where(
                Keyframe.source_kind == source.kind,
                Keyframe.source_id == source.id,
                Keyframe.number == number,
            )
        )


def _compute(
    db: Database,
    blobs: LocalBlobStore,
    engines: EnginePool,
    account_id: int,
    source: VideoSource,
    index: FrameIndex,
    number: int,
) -> Keyframe:
    gap = nearby_gap(index.fps)
    frame, nearby = read_with_nearby(source.path, number - 1, gap, index, NEARBY_SIDE)
    keys: list[str] = []
    try:
        candidates = _segment(blobs, engines, frame, nearby, keys)
        with ThreadPoolExecutor(max_workers=2) as pool:  # PNG encoding releases the GIL
            entries = list(pool.map(lambda c: _describe(blobs, c.name, c.mask, keys), candidates))
        row = Keyframe(
            id=new_id(),
            account_id=account_id,
            source_kind=source.kind,
            source_id=source.id,
            number=number,
            frame_key=keys[0],
            width=frame.shape[1],
            height=frame.shape[0],
            candidates=entries,
            created_at=utcnow(),
        )
        with db.write() as session:
            session.add(row)
        return row
    except IntegrityError:  # a racing selection stored the same keyframe first
        _drop(blobs, keys)
        cached = cached_keyframe(db, source, number)
        if cached is None:
            raise
        return cached
    except BaseException:
        _drop(blobs, keys)
        raise


def _segment(
    blobs: LocalBlobStore,
    engines: EnginePool,
    frame: Frame,
    nearby: Frame | None,
    keys: list[str],
) -> list[Candidate]:
    """Candidates of `frame` (with motion against `nearby`); its PNG (~40 ms at 720p) is
    stored meanwhile, as keys[0]: both release the GIL in native code, and the caller
    waits for the sum."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        frame_png = pool.submit(_store_png, blobs, "frame", frame)
        try:
            with engines.use("segment") as segmenter:
                return list(segmenter.candidates(frame, nearby=nearby))
        finally:
            keys.append(frame_png.result())


def _describe(blobs: LocalBlobStore, name: str, mask: Mask, keys: list[str]) -> dict[str, Any]:
    key = _store_png(blobs, "mask", mask)
    keys.append(key)
    x, y, w, h = cv2.boundingRect(mask)  # ~10x faster than np.nonzero on a 720p mask
    return {"name": name, "key": key, "bbox": [x, y, w, h], "area": cv2.countNonZero(mask)}


def _store_png(blobs: LocalBlobStore, prefix: str, pixels: Frame | Mask) -> str:
    """PNG with light compression: masks and frames are written on the request path."""
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    key = blobs.new_key(prefix, "png")
    blobs.write_bytes(key, buf.getvalue())
    return key


def _drop(blobs: LocalBlobStore, keys: list[str]) -> None:
    for key in keys:
        blobs.delete(key)


def _hand_out(db: Database, account_id: int, row: Keyframe) -> list[SelectedMask]:
    now = utcnow()
    masks = [
        SelectedMask(
            id=str(new_id()),
            account_id=account_id,
            keyframe_row=row.id,
            source_kind=row.source_kind,
            source_id=row.source_id,
            number=row.number,
            name=c["name"],
            blob_key=c["key"],
            bbox=c["bbox"],
            area=c["area"],
            created_at=now,
        )
        for c in row.candidates
    ]
    with db.write() as session:
        session.add_all(masks)
    return masks
