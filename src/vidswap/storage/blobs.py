"""Local blob store: generated keys, files on disk, HMAC-signed expiring download URLs."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
import time
from pathlib import Path
from urllib.parse import urlencode

from vidswap.config import Settings
from vidswap.storage.db import utcnow


def load_secret(settings: Settings) -> bytes:
    """The signing secret: from settings, else one generated once and kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _create_once(path, secrets.token_hex(32))
    return path.read_text().strip().encode()


def _create_once(path: Path, text: str) -> None:
    """Writes `path` whole or not at all: processes starting together all read one secret."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic; the first process to get here wins
    finally:
        tmp.unlink()


class LocalBlobStore:
    """Blobs under one directory. Keys look like `img/2026/11/<random>.png`."""

    def __init__(self, root: Path, base_url: str, secret: bytes, ttl_s: int) -> None:
        self.root = root
        self.base_url = base_url
        self._secret = secret
        self.ttl_s = ttl_s
        root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBlobStore:
        return cls(
            settings.blob_dir, settings.base_url, load_secret(settings), settings.signed_url_ttl_s
        )

    @staticmethod
    def new_key(prefix: str, ext: str) -> str:
        now = utcnow()
        return f"{prefix}/{now:%Y/%m}/{secrets.token_hex(16)}.{ext}"

    def path(self, key: str) -> Path:
        """The file for `key`; refuses keys that would leave the root."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or ".." in key.split("/"):
            raise KeyError(key)
        return path

    def put_file(self, key: str, src: Path) -> None:
        """Moves `src` into the store (a rename when on the same filesystem)."""
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src, dest)

    def write_bytes(self, key: str, data: bytes) -> None:
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(dest)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def staging_dir(self) -> Path:
        """Where uploads are spooled first: same filesystem, so `put_file` is a rename."""
        path = self.root / ".staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _sign(self, key: str, expires: int) -> str:
        msg = f"{key}\n{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def url(self, key: str) -> str:
        expires = int(time.time()) + self.ttl_s
        query = urlencode({"expires": expires, "sig": self._sign(key, expires)})
        return f"{self.base_url}/files/{key}?{query}"

    def verify(self, key: str, expires: str, sig: str) -> bool:
        """True if `sig` signs `key` until `expires` (the query strings) and that is not past."""
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return False
        if int(expires) < time.time():
            return False
        expected = self._sign(key, int(expires)).encode()
        return hmac.compare_digest(expected, sig.encode("utf-8", "replace"))
