"""Content hashes of files (sha256; git's blob sha1), checked before any byte of a model is used."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hepzoo.errors import IntegrityError

__all__ = ["sha256_file", "git_blob_sha1", "verify_file"]

_CHUNK = 1 << 20


def _digest(path: str | Path, digest) -> str:
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    """The sha256 the registry records for every file, and the Hub sends for files kept in git LFS."""
    return _digest(path, hashlib.sha256())


def git_blob_sha1(path: str | Path) -> str:
    """git's id of a file's content, ``sha1(b"blob <size>\\0" + data)``: the Hub's ETag of files kept in git."""
    digest = hashlib.sha1()
    digest.update(b"blob %d\0" % Path(path).stat().st_size)
    return _digest(path, digest)


def verify_file(path: str | Path, expected: str, what: str = "") -> None:
    """Raise IntegrityError if ``path``'s sha256 differs from ``expected``."""
    actual = sha256_file(path)
    if actual != expected.lower():
        raise IntegrityError(
            f"{what or path}: sha256 {actual} does not match the registered {expected}; "
            "the file is corrupt or was changed — delete it and download again"
        )
