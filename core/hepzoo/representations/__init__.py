"""What one event is, as data: point clouds, calorimeter voxels, tables."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "Representation": "hepzoo.representations.base",
    "check_finite": "hepzoo.representations.base",
    "PointCloud": "hepzoo.representations.point_cloud",
    "Voxel": "hepzoo.representations.voxel",
    "Tabular": "hepzoo.representations.tabular",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
