"""Atomic HDF5 writing: a file appears whole under its name, or not at all."""

from __future__ import annotations

import contextlib
from pathlib import Path

import h5py

from hepzoo.atomic import atomic_path

__all__ = ["atomic_h5"]


@contextlib.contextmanager
def atomic_h5(path: str | Path):
    """An ``h5py.File`` open on a temporary name beside ``path``, renamed to ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        yield f
