"""Tabular events: one row of named columns per event (e.g. jet-level features)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import attrs
import h5py
import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.representations.base import Representation, check_finite

if TYPE_CHECKING:
    from hepzoo.samples import Samples

__all__ = ["Tabular"]


@attrs.define(frozen=True)
class Tabular(Representation):
    """``x`` is ``[N, len(columns)]``; files are HDF5 with one dataset per column, and per-event
    conditions in a ``conditions`` group."""

    kind: ClassVar[str] = "tabular"
    columns: tuple[str, ...] = ()

    def validate(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        if x.ndim != 2 or x.shape[1] != len(self.columns):
            raise InvalidDataError(
                f"tables must have shape [N, {len(self.columns)}] ({', '.join(self.columns)}); got {tuple(x.shape)}"
            )
        if mask is not None:
            raise InvalidDataError("tabular samples take no mask")
        check_finite("table", x)

    def write(self, samples: Samples, path: Path) -> Path:
        from hepzoo.data.condition_columns import write_condition_columns
        from hepzoo.data.h5 import atomic_h5

        with atomic_h5(path) as f:
            for i, name in enumerate(self.columns):
                f.create_dataset(name, data=samples.x[:, i], compression="gzip")
            write_condition_columns(f, samples.cond)
        return path

    def read(self, path: Path) -> Samples:
        from hepzoo.data.condition_columns import read_condition_columns
        from hepzoo.samples import Samples

        with h5py.File(path, "r") as f:
            missing = [c for c in self.columns if c not in f]
            if missing:
                raise InvalidDataError(f"{path} lacks columns {missing}; it has {sorted(f.keys())}")
            x = np.stack([f[c][()] for c in self.columns], axis=1)
            cond = read_condition_columns(f)
        return Samples(x=x, representation=self, cond=cond)
