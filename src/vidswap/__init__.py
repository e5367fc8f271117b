"""vidswap: a self-hostable, PixVerse-compatible video Swap service."""

import os

__version__ = "0.1.0"

# OpenCV's pool threads spin (sched_yield) after each parallel call, waiting for the next.
# A swap runs its stages on threads of their own that keep every core busy, so the spin
# takes CPU from them: ~8% of a background swap's CPU here (bench/speed_swap). OpenCV reads
# these when it loads, hence here, before any module imports cv2; a value set outside wins.
for _name in ("PAUSE_LIMIT", "WORKER", "MAIN"):
    os.environ.setdefault(f"OPENCV_THREAD_POOL_ACTIVE_WAIT_{_name}", "0")
