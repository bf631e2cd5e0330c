"""sha256 of files, checked before any byte of a model is used."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hepzoo.errors import IntegrityError

__all__ = ["sha256_file", "verify_file"]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: str | Path, expected: str, what: str = "") -> None:
    """Raise IntegrityError if ``path``'s sha256 differs from ``expected``."""
    actual = sha256_file(path)
    if actual != expected.lower():
        raise IntegrityError(
            f"{what or path}: sha256 {actual} does not match the registered {expected}; "
            "the file is corrupt or was changed — delete it and download again"
        )
