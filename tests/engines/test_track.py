"""The CPU tracking engine on small generated clips with exact ground truth.

Clips come from bench/_clips.py: real photos from scikit-image (the astronaut, the
espresso cup) moving and scaling over real backgrounds, encoded with libx264. The J
floors are well under what the quality harness measures on these clips (0.95 to 0.99),
so they catch a broken tracker, not a small regression.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench import _clips
from tests.support import shots
from vidswap.engines import registry
from vidswap.engines.track.cpu import CpuTracker
from vidswap.engines.track.flow import Chain
from vidswap.engines.track.upsample import sample
from vidswap.errors import InvalidParameter

SIZE = (320, 180)
FRAMES = 30
FLOORS = {"person": 0.85, "object": 0.85, "background": 0.9}


@pytest.fixture(scope="module")
def tracker() -> Iterator[CpuTracker]:
    engine = CpuTracker()
    engine.setup()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[_clips.Clip, Path, list]]:
    root = tmp_path_factory.mktemp("track")
    made = {}
    for clip in (_clips.walk(size=SIZE, n=FRAMES), _clips.cup_slide(size=SIZE, n=FRAMES)):
        path = root / f"{clip.name}.mp4"
        made[clip.name] = (clip, path, _clips.write(clip, path))
    return made


def run(tracker: CpuTracker, clip: _clips.Clip, path: Path, truths: list, kind: str, key: int):
    gt = [_clips.truth(clip, kind, masks) for masks in truths]
    out = list(tracker.track(path, key, gt[key], kind))
    return out, gt


CASES = [
    ("walk", "person", 0),
    ("walk", "person", FRAMES // 2),
    ("cup", "object", 0),
    ("cup", "object", FRAMES // 2),
    ("walk", "background", 0),
    ("cup", "background", FRAMES // 2),
]


@pytest.mark.parametrize(("clip_name", "kind", "key"), CASES)
def test_tracking_meets_j_floor(tracker, clips, clip_name: str, kind: str, key: int) -> None:
    clip, path, truths = clips[clip_name]
    out, gt = run(tracker, clip, path, truths, kind, key)
    assert [number for number, _ in out] == list(range(FRAMES))
    for _, mask in out:
        assert mask.shape == (SIZE[1], SIZE[0])
        assert mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}
    js = [_clips.jaccard(mask, gt[number]) for number, mask in out]
    assert js[key] == pytest.approx(1.0)  # the keyframe's own mask comes back as given
    assert np.mean(js) >= FLOORS[kind], js
    assert min(js) > 0.5, js


@pytest.fixture(scope="module")
def hard_clips(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[_clips.Clip, Path, list]]:
    root = tmp_path_factory.mktemp("track-hard")
    made = {}
    for clip in (_clips.exit_reenter(size=SIZE, n=45), _clips.crossing(size=SIZE, n=90)):
        path = root / f"{clip.name}.mp4"
        made[clip.name] = (clip, path, _clips.write(clip, path))
    return made


@pytest.mark.parametrize("kind", ["person", "object"])
def test_subject_that_leaves_is_dropped_and_found_again(tracker, hard_clips, kind: str) -> None:
    """The astronaut walks out at the right and back; the cup slides out at the left and
    back. Out of view the mask is empty, back in view it is found again."""
    clip, path, truths = hard_clips["exit"]
    out, gt = run(tracker, clip, path, truths, kind, 0)
    gone = [n for n in range(clip.frames) if not gt[n].any()]
    back = [n for n in range(max(gone) + 1, clip.frames) if gt[n].any()]
    assert gone and back
    assert sum(not out[n][1].any() for n in gone) >= 0.8 * len(gone)
    assert np.mean([_clips.jaccard(out[n][1], gt[n]) for n in back[3:]]) > 0.85


def test_person_crossing_in_front_is_not_absorbed(tracker, hard_clips) -> None:
    """A second person walks across in front of the astronaut: her mask never takes in
    more than a sliver of them, and she is followed again once they have passed."""
    clip, path, truths = hard_clips["crossing"]
    out, gt = run(tracker, clip, path, truths, "person", 0)
    for number, mask in out:
        passer = truths[number]["passer"] > 0
        assert np.count_nonzero((mask > 0) & passer) <= 0.15 * max(np.count_nonzero(passer), 1)
    js = [_clips.jaccard(mask, gt[number]) for number, mask in out]
    assert np.mean(js) > 0.8
    assert np.mean(js[-20:]) > 0.85, js


def test_small_person_followed_behind_another(tracker, tmp_path) -> None:
    """A wide shot: the passer in blue (about 70 px tall) walks behind the astronaut in
    orange, who swings her arms; both share one face. The frame's matte sees neither,
    the crop's sees both as one blob: her blue parts coming out on the far side stay
    hers, and the mask never takes much of the astronaut (before: J 0 from frame 11,
    the mask left on the astronaut's head, 0.15 of her)."""
    clip = _clips.crowd(size=(480, 360), n=30)
    path = tmp_path / "crowd.mp4"
    truths = _clips.write(clip, path)
    out, gt = run(tracker, clip, path, truths, "person", 0)
    js = [_clips.jaccard(mask, gt[number]) for number, mask in out]
    for number, mask in out:
        front = truths[number]["p6"] > 0
        assert np.count_nonzero((mask > 0) & front) <= 0.1 * np.count_nonzero(front)
    assert min(js) > 0.25, js
    assert np.mean(js) > 0.45, js


def test_backward_chunks_give_the_same_masks(tracker, clips) -> None:
    """The backward pass in chunks of 8 frames matches one chunk: chunking is invisible."""
    clip, path, truths = clips["walk"]
    gt = _clips.truth(clip, "person", truths[FRAMES - 1])
    whole = list(tracker.track(path, FRAMES - 1, gt, "person"))
    small = CpuTracker(chunk_bytes=1)  # the minimum: 8 frames a chunk
    small.setup()
    try:
        chunked = list(small.track(path, FRAMES - 1, gt, "person"))
    finally:
        small.close()
    assert [n for n, _ in chunked] == [n for n, _ in whole]
    for (_, a), (_, b) in zip(whole, chunked, strict=True):
        assert _clips.jaccard(a, b) > 0.99


def test_registered_as_the_default_track_engine() -> None:
    assert "cpu" in registry.available()["track"]
    assert registry.DEFAULTS["track"] == "cpu"


@pytest.mark.parametrize(
    ("key", "kind", "shape", "message"),
    [
        (FRAMES, "person", (180, 320), "does not exist"),
        (0, "hat", (180, 320), "Unknown mask kind"),
        (0, "person", (90, 160), "the video's frames 320x180"),
    ],
)
def test_bad_requests_fail_before_streaming(tracker, clips, key, kind, shape, message) -> None:
    _, path, _ = clips["walk"]
    with pytest.raises(InvalidParameter, match=message):
        tracker.track(path, key, np.zeros(shape, np.uint8), kind)


def test_upsampler_samples_more_points_than_remap_takes_in_one_row() -> None:
    """A 1080p mask edge has more band pixels than cv2.remap's 32767-wide limit."""
    rng = np.random.default_rng(1)
    image = rng.random((300, 400), dtype=np.float32)
    xs, ys = rng.random(50_000) * 399, rng.random(50_000) * 299
    column = cv2.remap(
        image, xs.astype(np.float32)[:, None][:30_000], ys.astype(np.float32)[:, None][:30_000],
        cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    got = sample(image, xs, ys)
    assert got.shape == (50_000,)
    np.testing.assert_array_equal(got[:30_000], column[:, 0])
    assert sample(image, xs[:0], ys[:0]).shape == (0,)


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[shots.Shot]]:
    """Rocket with the astronaut | cat with another person | rocket, the astronaut elsewhere."""
    frames = shots.film(SIZE, length=CUT)
    return shots.write(
        [rgb for rgb, _ in frames], tmp_path_factory.mktemp("film") / "f.mp4"
    ), frames


CUT = 15  # frames a shot of `film`


@pytest.mark.parametrize("key", [5, 2 * CUT + 10])
def test_person_found_again_after_cuts(tracker, film, key: int) -> None:
    """Both ways from the keyframe: no mask in the shot without her (nor on the other
    person there), and hers again from the first frame of the shot she is back in."""
    path, frames = film
    gt, passer = shots.truth(frames, "astronaut"), shots.truth(frames, "passer")
    out = [mask for _, mask in tracker.track(path, key, gt[key], "person")]
    assert not any(mask.any() for mask in out[CUT : 2 * CUT])
    assert not any((mask & passer[n]).any() for n, mask in enumerate(out))
    js = [_clips.jaccard(out[n], gt[n]) for n in (*range(CUT), *range(2 * CUT, 3 * CUT))]
    assert min(js) > 0.85, js


@pytest.mark.parametrize("key", [5, 2 * CUT + 10])
def test_object_found_again_after_cuts(tracker, tmp_path, key: int) -> None:
    cup = [
        ((0.0, 0.3, 0.5, 0.4), (1.0, 0.4, 0.5, 0.4)),
        ((0.0, 0.7, 0.4, 0.5), (1.0, 0.6, 0.5, 0.5)),
    ]
    frames = [
        *shots.shot("rocket", (_clips.Layer("cup", "cup", cup[0]),), CUT, SIZE),
        *shots.shot("chelsea", (), CUT, SIZE),
        *shots.shot("rocket", (_clips.Layer("cup", "cup", cup[1]),), CUT, SIZE),
    ]
    path = shots.write([rgb for rgb, _ in frames], tmp_path / "cup.mp4")
    gt = shots.truth(frames, "cup")
    out = [mask for _, mask in tracker.track(path, key, gt[key], "object")]
    assert not any(mask.any() for mask in out[CUT : 2 * CUT])
    js = [_clips.jaccard(out[n], gt[n]) for n in (*range(CUT), *range(2 * CUT, 3 * CUT))]
    assert np.mean(js) > 0.85 and min(js) > 0.7, js


def test_background_of_a_shot_without_the_subject_is_left_alone(tracker, film) -> None:
    """Where the astronaut is, the background is the rest; the cat's shot is another
    place: no background there (it passes through the swap unchanged)."""
    path, frames = film
    gt = [255 - mask for mask in shots.truth(frames, "astronaut")]
    out = [mask for _, mask in tracker.track(path, 5, gt[5], "background")]
    assert not any(mask.any() for mask in out[CUT : 2 * CUT])
    js = [_clips.jaccard(out[n], gt[n]) for n in (*range(CUT), *range(2 * CUT, 3 * CUT))]
    assert min(js) > 0.9, js


def test_no_flow_across_a_cut(film) -> None:
    _, frames = film
    chain = Chain()
    views = [chain.push(rgb) for rgb, _ in frames[CUT - 2 : CUT + 2]]
    assert [view.cut for view in views] == [False, False, True, False]
    assert [view.flow is None for view in views] == [True, False, True, False]
    assert views[2].forward is None and views[3].forward is not None
