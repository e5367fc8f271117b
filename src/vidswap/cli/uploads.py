"""Uploads remembered by content, so a video is sent once per server and account.

`vidswap masks clip.mp4` then `vidswap swap clip.mp4 face.png --mask MASK_ID` must use
the same upload (a mask belongs to one uploaded video), and a 50 MB file should not
travel twice. The cache maps (server, account, kind, SHA-256 of the file) to the id the
server gave; an id the server no longer knows is uploaded again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20


def cache_path() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "vidswap" / "uploads.json"


class UploadCache:
    def __init__(self, server: str, api_key: str, path: Path | None = None) -> None:
        self.path = path or cache_path()
        account = hashlib.sha256(api_key.encode()).hexdigest()[:16]
        self._scope = f"{server}|{account}"

    def get_or_upload(self, kind: str, file: Path, upload: Callable[[Path], int]) -> int:
        """The id of `file` on the server: remembered, else from `upload`."""
        key = f"{self._scope}|{kind}|{_digest(file)}"
        entries = self._load()
        if key in entries:
            return int(entries[key])
        new_id = upload(file)
        entries[key] = new_id
        self._save(entries)
        return new_id

    def forget(self, kind: str, file: Path) -> None:
        """Drops `file`'s id, for a server that no longer knows it."""
        entries = self._load()
        entries.pop(f"{self._scope}|{kind}|{_digest(file)}", None)
        self._save(entries)

    def _load(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, entries: dict[str, int]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=1))
        tmp.replace(self.path)


def _digest(file: Path) -> str:
    sha = hashlib.sha256()
    with file.open("rb") as src:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()
