"""What importing `vidswap` sets up for the libraries it loads."""

from __future__ import annotations

import os
import subprocess
import sys

WAIT = "OPENCV_THREAD_POOL_ACTIVE_WAIT_"


def env_after_import(extra: dict[str, str]) -> str:
    code = (
        "import vidswap, os\n"
        f"print([os.environ[k] for k in sorted(os.environ) if k.startswith({WAIT!r})])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(WAIT)} | extra
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return done.stdout.decode().strip()


def test_opencv_pool_does_not_spin_unless_told_to() -> None:
    """Set before cv2 loads (OpenCV reads them once); a value from outside wins."""
    assert env_after_import({}) == "['0', '0', '0']"
    assert env_after_import({f"{WAIT}WORKER": "2000"}) == "['0', '0', '2000']"
