"""Tabular events: one row of named columns per event (e.g. jet-level features)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.representations.base import Representation, check_finite

__all__ = ["Tabular"]


@attrs.define(frozen=True)
class Tabular(Representation):
    """``x`` is ``[N, len(columns)]``; files are tabular HDF5 (``hepzoo.data.tabular_io``: a
    ``table`` dataset, per-event conditions in a ``conditions`` group)."""

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
