"""Calorimeter showers as flat voxel energies on a CaloChallenge geometry (layer, alpha, r)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import attrs
import numpy as np

from hepzoo.data.showers.geometry import GEOMETRY_FILES, Geometry
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.representations.base import Representation, check_finite

__all__ = ["Voxel"]


@attrs.define(frozen=True)
class Voxel(Geometry, Representation):
    """``x`` is ``[N, n_voxels]`` voxel energies in MeV, ordered (layer, alpha, r) with r fastest.

    ``cond["energy"]`` is the incident energy in MeV. The fields (inherited from ``Geometry``:
    name, particle, layer_ids, r_edges, n_alpha) are the config; files are CaloChallenge HDF5.
    """

    kind: ClassVar[str] = "voxel"

    @classmethod
    def from_geometry(cls, geometry: str | Path | Geometry) -> Voxel:
        """A challenge geometry by name ('ds1-photons', 'ds1-pions', 'ds2', 'ds3'), XML path or Geometry."""
        if isinstance(geometry, Geometry):
            return cls(**attrs.asdict(geometry, recurse=False))
        text = str(geometry)
        if text in GEOMETRY_FILES:
            return cls.named(text)
        if not Path(text).is_file():
            raise ConfigError(
                f"unknown calorimeter geometry {text!r}: use one of {sorted(GEOMETRY_FILES)} "
                "or the path of a binning XML file"
            )
        return cls.from_xml(text)

    @property
    def geometry(self) -> Geometry:
        """The plain geometry (without the representation methods)."""
        return Geometry(**attrs.asdict(self, recurse=False))

    def validate(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_voxels:
            raise InvalidDataError(
                f"showers for geometry {self.name!r} must have shape [N, {self.n_voxels}] (flat voxels); "
                f"got {tuple(x.shape)}"
            )
        if mask is not None:
            raise InvalidDataError("voxel showers take no mask; pass mask=None")
        check_finite("voxel energies", x)
        if x.size and x.min() < 0:
            first = tuple(int(i) for i in np.argwhere(x < 0)[0])
            raise InvalidDataError(
                f"voxel energies must be >= 0 MeV; found {int((x < 0).sum())} negative values "
                f"(first at {first}, {x[first]:.4g}); clip them with np.clip(x, 0, None)"
            )

    def grid(self, x: np.ndarray) -> np.ndarray:
        """``[N, n_layers, n_alpha, n_r]`` view of a regular geometry's flat showers."""
        return np.asarray(x).reshape(len(x), *self.grid_shape)

    def layer_energies(self, x: np.ndarray) -> np.ndarray:
        """``[N, n_layers]`` energy per non-empty layer."""
        return np.stack([x[:, self.layer_slice(i)].sum(axis=1) for i in range(self.n_layers)], axis=1)
