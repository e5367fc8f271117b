"""Downloads land in a temporary file next to their destination, renamed on success, so a
failed or interrupted download never leaves a half-written video behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import urlsplit

CHUNK = 1 << 16


def destination(path: str | os.PathLike[str], url: str) -> Path:
    """`path`, or the URL's file name inside `path` when it is a directory."""
    target = Path(path)
    if target.is_dir():
        return target / (Path(urlsplit(url).path).name or "video.mp4")
    return target


class Staged:
    def __init__(self, path: Path) -> None:
        self.path = path
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        self.temp = Path(name)
        self.file: BinaryIO = os.fdopen(fd, "wb")

    def __enter__(self) -> BinaryIO:
        return self.file

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.file.close()
        if kind is None:
            os.replace(self.temp, self.path)
        else:
            self.temp.unlink(missing_ok=True)
