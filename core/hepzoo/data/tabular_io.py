"""Tabular HDF5 files (hepzoo's own layout): ``table`` [N, C] with a ``columns`` attribute.

Per-event conditions go to the ``conditions`` group (one dataset each, dtype kept) and
``samples.meta`` to the ``metadata`` group's attributes, as in hepzoo's JetNet files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from hepzoo.data.condition_columns import read_condition_columns, write_condition_columns
from hepzoo.data.h5 import append_rows, as_batches, atomic_h5, read_metadata, write_metadata, writing
from hepzoo.errors import InvalidDataError

if TYPE_CHECKING:
    from hepzoo.representations.tabular import Tabular
    from hepzoo.samples import Samples

__all__ = ["write_tabular", "read_tabular", "TABLE"]

TABLE = "table"


def write_tabular(
    path: str | Path, samples: Samples | Iterable[Samples], metadata: dict[str, Any] | None = None
) -> Path:
    """Write tabular samples (one Samples or an iterable of batches, appended as they come) atomically."""
    path = Path(path)
    with writing(path), atomic_h5(path) as f:
        last = None
        for batch in as_batches(samples):
            last = batch
            columns = tuple(getattr(batch.representation, "columns", ()))
            x = np.asarray(batch.x)
            if x.ndim != 2 or x.shape[1] != len(columns):
                raise InvalidDataError(
                    f"tables must have shape [N, {len(columns)}] ({', '.join(columns)}); got {x.shape}"
                )
            ds = append_rows(f, TABLE, x)
            ds.attrs["columns"] = ",".join(columns)
            write_condition_columns(f, batch.cond)
        if last is None:
            raise InvalidDataError(f"no rows to write to {path}; pass at least one batch")
        write_metadata(f.create_group("metadata"), {**last.meta, **(metadata or {})})
    return path


def read_tabular(path: str | Path, representation: Tabular | None = None) -> Samples:
    """Read a tabular file; a ``representation`` must name the file's columns in its order."""
    from hepzoo.representations.tabular import Tabular
    from hepzoo.samples import Samples

    path = Path(path)
    if not path.exists():
        raise InvalidDataError(f"{path} does not exist; write it with Samples.save")
    with h5py.File(path, "r") as f:
        if TABLE not in f:
            raise InvalidDataError(f"{path} has no {TABLE!r} dataset (found {sorted(f.keys())}); pass a tabular file")
        ds = f[TABLE]
        columns = tuple(c for c in str(ds.attrs.get("columns", "")).split(",") if c)
        x = ds[()]
        cond = read_condition_columns(f)
        meta = read_metadata(f["metadata"]) if "metadata" in f else {}
    if x.ndim != 2 or x.shape[1] != len(columns):
        raise InvalidDataError(f"{path}: table has shape {x.shape} but names columns {columns}; fix its 'columns'")
    rep = representation if representation is not None else Tabular(columns=columns)
    if tuple(rep.columns) != columns:
        raise InvalidDataError(f"{path} holds columns {columns}; the representation asks for {tuple(rep.columns)}")
    rep.validate(x)
    meta["source"] = str(path)
    return Samples(x=x, representation=rep, cond=cond, meta=meta)
