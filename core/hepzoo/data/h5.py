"""Atomic HDF5 writing: a file appears whole under its name, or not at all."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import h5py

__all__ = ["atomic_h5"]


@contextlib.contextmanager
def atomic_h5(path: str | Path):
    """Open ``path.partial`` for writing and rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    try:
        with h5py.File(tmp, "w") as f:
            yield f
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
