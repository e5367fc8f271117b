"""The CPU moderation engine: NudeNet's detector, the 320n YOLOv8 ONNX model inside its wheel
(nothing downloads). ~45 ms a frame on two cores whatever its size (the model sees 320x320):
~33 ms inference, ~11 ms NudeNet's Python post-processing.

Only exposed genitalia, female breasts, buttocks and anus count as explicit; faces, feet,
bellies, armpits, male chests and covered parts do not. A label counts from a score of
THRESHOLD: the example in NudeNet's README scores exposed parts 0.68-0.80, while on the
clean photos shipped with scikit-image the best explicit score is 0.37 (a latte read as
buttocks). The one false positive seen above it: scikit-image's synthetic colour wheel (0.83).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vidswap.engines import registry
from vidswap.media.frames import Frame

EXPLICIT = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
THRESHOLD = 0.5


@registry.register("moderate", "cpu")
class NudeNetModerator:
    name, kind = "cpu", "moderate"

    def __init__(self) -> None:
        self._detector: Any = None

    def setup(self) -> None:
        if self._detector is None:
            # onnxruntime and the model load here, never at import.
            from nudenet import NudeDetector  # type: ignore[import-untyped]

            detector = NudeDetector()
            detector.onnx_session = _session()
            self._detector = detector

    def close(self) -> None:
        self._detector = None

    def scores(self, rgb: Frame) -> dict[str, float]:
        """Best score per label NudeNet finds (from 0.2), explicit or not.

        The array goes in as RGB on purpose: NudeNet swaps channels twice on a 3-channel
        array (cvtColor RGBA2BGR, then swapRB), so the model gets the order it was trained
        on (RGB, as ultralytics trains). Fed BGR, faces in test photos score ~0.13 lower.
        """
        best: dict[str, float] = {}
        for found in self._detector.detect(np.ascontiguousarray(rgb[..., :3], np.uint8)):
            label, score = str(found["class"]), float(found["score"])
            best[label] = max(score, best.get(label, 0.0))
        return best

    def flagged(self, rgb: Frame) -> list[str]:
        return sorted(
            label
            for label, score in self.scores(rgb).items()
            if label in EXPLICIT and score >= THRESHOLD
        )


def _session() -> Any:
    """NudeNet's model (the file its detector loads by default) in a session of one thread
    that never spins. NudeNet builds its session with onnxruntime's defaults: a thread a
    core, spinning after each run while it waits for the next. A swap moderates a sample a
    second beside its rendering, whose threads keep every core busy; there the spin took
    ~7% of a swap's CPU (perf). One thread: 42 ms of CPU a sample (41 ms wall) against 63
    (32 ms wall). NudeNet takes no session options, so its own session (~40 ms to build,
    once per engine) is replaced by this one."""
    import nudenet
    import onnxruntime  # type: ignore[import-untyped]

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = Path(nudenet.__file__).parent / "320n.onnx"
    return onnxruntime.InferenceSession(str(model), options, ["CPUExecutionProvider"])
