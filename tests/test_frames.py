"""Frame accuracy: frame N is the N-th displayed frame whatever the timing and metadata."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from vidswap.errors import InvalidParameter
from vidswap.media.frames import index_frames, iter_frames, read_frame, read_with_nearby

# Irregular gaps (ms) between frames: a variable-frame-rate clip like a phone records.
GAPS = [33, 33, 100, 17, 250, 33, 33, 66, 500, 20, 33, 33, 40, 300, 33, 33, 33, 80, 33]
LEVEL = 12  # grey level step between consecutive frames, to tell them apart after lossy coding


def make_numbered(path: Path, *, rotation: int = 0, size: tuple[int, int] = (64, 32)) -> Path:
    """A VFR clip with B-frames whose frame i is grey level i*LEVEL, with a white marker in
    the top-left corner of the stored picture and a small moving bar."""
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"g": "8"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            stream.set_display_rotation(rotation)
        pts = 0
        for i, gap in enumerate([0, *GAPS]):
            pts += gap
            img = np.full((height, width, 3), i * LEVEL, np.uint8)
            img[:8, :8] = 255
            img[12:16, (i * 3) % width : (i * 3) % width + 4] = 0  # motion, so x264 picks B-frames
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def level(frame: np.ndarray) -> int:
    """The frame's number, read back from its grey level away from the marker."""
    return round(float(np.median(frame[frame.shape[0] // 2 :, frame.shape[1] // 2 :])) / LEVEL)


@pytest.fixture(scope="module", params=["mp4", "mkv", "mov"])
def vfr(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MP4/MOV index by decode time, Matroska by presentation time: seeking differs."""
    return make_numbered(tmp_path_factory.mktemp("vfr") / f"vfr.{request.param}")


def test_vfr_clip_has_b_frames_and_uneven_timestamps(vfr: Path) -> None:
    with av.open(str(vfr)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    decode_order = [p.pts for p in packets]
    assert decode_order != sorted(decode_order), "no B-frames: the test would prove nothing"
    index = index_frames(vfr)
    assert index.count == len(GAPS) + 1
    assert len(set(np.diff(index.pts))) > 3


def test_read_frame_is_exact_on_vfr_with_b_frames(vfr: Path) -> None:
    index = index_frames(vfr)
    for n in range(index.count):
        assert level(read_frame(vfr, n, index)) == n


def test_iter_frames_numbers_match_from_any_start(vfr: Path) -> None:
    count = index_frames(vfr).count
    assert [(n, level(f)) for n, f in iter_frames(vfr)] == [(n, n) for n in range(count)]
    for start in (5, 9, 13):
        got = [(n, level(f)) for n, f in iter_frames(vfr, start, start + 4)]
        assert got == [(n, n) for n in range(start, start + 4)]


def test_read_with_nearby_pairs_the_frame_gap_later_or_earlier_at_the_end(vfr: Path) -> None:
    index = index_frames(vfr)
    last = index.count - 1
    for number, other in ((0, 6), (9, 15), (last - 2, last - 8), (last, last - 6)):
        frame, nearby = read_with_nearby(vfr, number, 6, index)
        assert nearby is not None
        assert (level(frame), level(nearby)) == (number, other)


def test_read_with_nearby_of_a_one_frame_video_is_none(tmp_path: Path) -> None:
    path = tmp_path / "one.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        img = np.full((32, 64, 3), 100, np.uint8)
        out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode())
    frame, nearby = read_with_nearby(path, 0, 6)
    assert frame.shape == (32, 64, 3) and nearby is None


def test_past_the_end_says_how_many_frames(vfr: Path) -> None:
    with pytest.raises(InvalidParameter, match=f"has {len(GAPS) + 1} frames"):
        read_frame(vfr, len(GAPS) + 1)


@pytest.mark.parametrize(
    ("rotation", "corner"),
    # Display rotation is counter-clockwise; the stored top-left marker moves with the picture.
    [(90, "bottom-left"), (-90, "top-right"), (180, "bottom-right")],
)
def test_rotation_metadata_is_applied(tmp_path: Path, rotation: int, corner: str) -> None:
    clip = make_numbered(tmp_path / "rot.mp4", rotation=rotation)
    frame = read_frame(clip, 3)
    assert frame.shape[:2] == ((32, 64) if rotation == 180 else (64, 32))
    h, w = frame.shape[:2]
    y = 0 if corner.startswith("top") else h - 8
    x = 0 if corner.endswith("left") else w - 8
    assert frame[y : y + 8, x : x + 8].mean() > 200
    assert level(np.rot90(frame, 2) if corner == "bottom-right" else frame) == 3
    _, scaled = next(iter_frames(clip, 3, 4, max_side=32))
    assert scaled.shape[:2] == ((16, 32) if rotation == 180 else (32, 16))
