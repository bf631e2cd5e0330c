"""Per-event conditions a community layout has no column for: one dataset each in a ``conditions`` group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import h5py
import numpy as np

__all__ = ["CONDITIONS_GROUP", "write_condition_columns", "read_condition_columns"]

CONDITIONS_GROUP = "conditions"


def write_condition_columns(f: h5py.File, cond: Mapping[str, np.ndarray], skip: Iterable[str] = ()) -> None:
    """Write (append, for a file written batch by batch) every condition not in ``skip`` as ``conditions/<name>``."""
    from hepzoo.data.h5 import append_rows

    rest = {k: np.asarray(v) for k, v in cond.items() if k not in set(skip)}
    if not rest:
        return
    group = f.require_group(CONDITIONS_GROUP)
    for name, values in rest.items():
        append_rows(group, name, values.reshape(len(values)))


def read_condition_columns(f: h5py.File, sel: slice = slice(None)) -> dict[str, np.ndarray]:
    """The ``conditions`` group's columns (rows ``sel``), empty if the file has none."""
    if CONDITIONS_GROUP not in f:
        return {}
    return {name: np.asarray(ds[sel]) for name, ds in f[CONDITIONS_GROUP].items()}
