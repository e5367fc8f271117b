"""The swap job run directly (no server, no queue), for benchmarks and quality harnesses.

It is the job's own code (`jobs.swap.SwapRun`) on real engines; only the job row is
missing, so the masks come from the clips' ground truth instead of a mask selection.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from vidswap.config import Settings
from vidswap.domain.swap import output_size
from vidswap.engines.pool import EnginePool
from vidswap.jobs.kinds import JobContext
from vidswap.jobs.resources import Resources
from vidswap.jobs.swap import SwapRun
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

U8 = np.ndarray


class Swapper:
    def __init__(self, work: Path, engines: EnginePool | None = None) -> None:
        settings = Settings(data_dir=work, warm_engines=False, secret_key="bench")
        self.res = Resources(
            settings,
            Database.from_settings(settings),
            LocalBlobStore.from_settings(settings),
            engines or EnginePool(),
        )
        self.runs = 0

    def put(self, path: Path) -> str:
        """Stores a copy (the blob store takes files over by moving them)."""
        key = self.res.blobs.new_key("src", path.suffix.lstrip(".") or "bin")
        copy = self.res.blobs.staging_dir() / f"copy-{self.runs}{path.suffix}"
        shutil.copyfile(path, copy)
        self.res.blobs.put_file(key, copy)
        return key

    def put_png(self, pixels: U8) -> str:
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG")
        key = self.res.blobs.new_key("png", "png")
        self.res.blobs.write_bytes(key, buf.getvalue())
        return key

    def run(
        self,
        video: Path,
        mask: U8,
        target: U8,
        mode: str,
        *,
        keyframe: int = 1,
        quality: str = "720p",
    ) -> tuple[Path, dict[str, Any], float]:
        """Swaps `video` (keyframe 1-based, `mask` the size of its frames) with the image
        `target` (RGB or RGBA); returns the output's path, the job result and seconds."""
        width, height = output_size(mask.shape[1], mask.shape[0], quality)
        params = {
            "source_key": self.put(video),
            "img_key": self.put_png(target),
            "mask_key": self.put_png(mask),
            "mask_name": mode,
            "keyframe": keyframe,
            "quality": quality,
            "width": width,
            "height": height,
        }
        self.runs += 1
        ctx = JobContext(job_id=self.runs, attempt=1, resources=self.res)
        start = time.perf_counter()
        result = SwapRun(ctx, self.res, params).run()
        seconds = time.perf_counter() - start
        return self.res.blobs.path(result["video_key"]), result, seconds

    def warm(self, *kinds: str) -> None:
        self.res.engines.warm(*kinds)

    def close(self) -> None:
        self.res.engines.close()
        self.res.db.dispose()
