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


def read_condition_columns(f: h5py.File, sel: slice = slice(None), n: int | None = None) -> dict[str, np.ndarray]:
    """The ``conditions`` group's columns (rows ``sel``), empty if the file has none.

    Each must be a 1-D dataset of finite numbers (with ``n``, of ``n`` rows once ``sel`` is applied);
    anything else is one InvalidDataError naming the column.
    """
    from hepzoo.data.h5 import numeric_dataset
    from hepzoo.errors import InvalidDataError

    if CONDITIONS_GROUP not in f:
        return {}
    group = f[CONDITIONS_GROUP]
    if not isinstance(group, h5py.Group):
        raise InvalidDataError(f"{f.filename}: {CONDITIONS_GROUP!r} is a dataset, not a group of one column per condition")
    out = {}
    for name in group:
        where = f"{CONDITIONS_GROUP}/{name}"
        ds = numeric_dataset(group, name, f.filename, "one number per event")
        values = np.asarray(ds[sel]) if ds.ndim == 1 else None
        if values is None or (n is not None and len(values) != n) or not np.isfinite(values).all():
            raise InvalidDataError(
                f"{f.filename}: {where!r} (shape {ds.shape}) is not one finite number per event"
                f"{f' ({n} events)' if n is not None else ''}; rewrite or drop that column"
            )
        out[name] = values
    return out
