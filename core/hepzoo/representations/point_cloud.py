"""Point clouds of particles (jets): fixed max multiplicity, named features, a boolean mask."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.representations.base import Representation, check_finite

__all__ = ["PointCloud"]


@attrs.define(frozen=True)
class PointCloud(Representation):
    """``x`` is ``[N, max_particles, len(features)]``; padded particles are zero and masked out.

    The default features are JetNet's relative coordinates (eta_rel, phi_rel, pt_rel); files are
    JetNet HDF5 (``particle_features`` with the mask as last column, ``jet_features``).
    """

    kind: ClassVar[str] = "point_cloud"
    max_particles: int = 150
    features: tuple[str, ...] = ("eta_rel", "phi_rel", "pt_rel")

    def validate(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        n_feat = len(self.features)
        if x.ndim != 3 or x.shape[2] != n_feat:
            raise InvalidDataError(
                f"point clouds must have shape [N, P, {n_feat}] ({', '.join(self.features)}); "
                f"got {tuple(x.shape)}"
            )
        if x.shape[1] > self.max_particles:
            raise InvalidDataError(
                f"{x.shape[1]} particles per event exceeds max_particles={self.max_particles}; "
                "keep the leading ones or use a representation with more"
            )
        check_finite("particle features", x)
        if mask is None:
            return
        if mask.shape != x.shape[:2]:
            raise InvalidDataError(f"mask shape {tuple(mask.shape)} does not match particles {tuple(x.shape[:2])}")
        if mask.dtype != np.bool_:
            raise InvalidDataError(f"mask must be boolean, got {mask.dtype}; pass mask.astype(bool)")
        if (x[~mask] != 0).any():
            raise InvalidDataError(
                "masked-out (padding) particles have non-zero features; zero them or fix the mask"
            )

    def multiplicity(self, mask: np.ndarray) -> np.ndarray:
        """Number of real particles per event."""
        return mask.sum(axis=1)
