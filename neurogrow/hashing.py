"""The SHA-256 of a file as ``sha256:<hex>``: how model files are identified (light: no torch)."""
from __future__ import annotations

import hashlib
from pathlib import Path


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file, as ``sha256:<hex>``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return f"sha256:{h.hexdigest()}"
