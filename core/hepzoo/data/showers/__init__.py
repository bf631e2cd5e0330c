"""Calorimeter shower data: CaloChallenge geometries, a GFlash generator and the dataset catalog."""

from __future__ import annotations

from hepzoo.data.showers.geometry import Geometry, geometry_for_voxels

__all__ = ["Geometry", "geometry_for_voxels"]
