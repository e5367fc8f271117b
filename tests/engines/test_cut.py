"""GrabCut with a pixel budget: a box over the budget is cut at a reduced scale and must
still find the subject, keep the labels' sure pixels, and cost nothing within the budget."""

from __future__ import annotations

import cv2
import numpy as np

from bench import _clips
from vidswap.engines.track import masks as m
from vidswap.engines.track.cut import Cutter, band_labels

SHAPE = (270, 480)


def scene() -> tuple[np.ndarray, np.ndarray]:
    """A textured backdrop with a reddish ellipse on it (BGR), and the ellipse's mask."""
    rng = np.random.default_rng(7)
    bgr = cv2.GaussianBlur(rng.integers(60, 200, (*SHAPE, 3), dtype=np.uint8), (0, 0), 3)
    truth = np.zeros(SHAPE, np.uint8)
    cv2.ellipse(truth, (240, 135), (90, 70), 20, 0, 360, 255, -1)
    bgr[truth > 0] = (40, 50, 210)
    return bgr, truth


def cut(budget: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(result, truth, labels, pixels in the box) of one cut from the truth shifted 6 px."""
    bgr, truth = scene()
    guess = np.roll(truth, 6, axis=1)
    r = m.band_radius(guess)
    labels = band_labels(guess, r)
    roi = m.box(guess, 3 * r + 4)
    assert roi is not None
    x0, y0, x1, y1 = roi
    return Cutter(budget)(bgr, labels, roi), truth, labels, (x1 - x0) * (y1 - y0)


def test_a_box_over_the_budget_is_cut_reduced_and_still_finds_the_subject() -> None:
    full, truth, labels, pixels = cut(None)
    reduced = cut(8000)[0]
    assert pixels > 2 * 8000  # really reduced
    assert not np.array_equal(reduced, full)
    assert _clips.jaccard(full, truth) > 0.97
    assert _clips.jaccard(reduced, truth) > 0.95
    # The labels' sure pixels keep their side.
    assert (reduced[labels == cv2.GC_FGD] == 255).all()
    assert (reduced[labels == cv2.GC_BGD] == 0).all()


def test_a_box_within_the_budget_is_cut_as_without_one() -> None:
    assert np.array_equal(cut(None)[0], cut(10**6)[0])
