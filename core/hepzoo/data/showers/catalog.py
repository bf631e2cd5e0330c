"""The CaloChallenge datasets as DatasetSpecs: real files via env vars, GFlash-generated DS2/DS3."""

from __future__ import annotations

import functools

from hepzoo.data.datasets import DatasetSpec
from hepzoo.data.showers.gflash import make_showers, shower_recipe
from hepzoo.representations.voxel import Voxel

__all__ = ["CALOCHALLENGE_DS1_PHOTONS", "CALOCHALLENGE_DS1_PIONS", "CALOCHALLENGE_DS2", "CALOCHALLENGE_DS3"]

_REAL = "the CaloChallenge 2022 {what} (Zenodo {doi}); point ${env} at a downloaded file"

CALOCHALLENGE_DS1_PHOTONS = DatasetSpec(
    name="calochallenge-ds1-photons",
    representation=Voxel.from_geometry("ds1-photons"),
    description=_REAL.format(
        what="dataset 1 photons, 368 voxels",
        doi="10.5281/zenodo.8099322",
        env="HEPZOO_CALOCHALLENGE_DS1_PHOTONS",
    ),
    env_var="HEPZOO_CALOCHALLENGE_DS1_PHOTONS",
    default_size=121_000,
)

CALOCHALLENGE_DS1_PIONS = DatasetSpec(
    name="calochallenge-ds1-pions",
    representation=Voxel.from_geometry("ds1-pions"),
    description=_REAL.format(
        what="dataset 1 pions, 533 voxels", doi="10.5281/zenodo.8099322", env="HEPZOO_CALOCHALLENGE_DS1_PIONS"
    ),
    env_var="HEPZOO_CALOCHALLENGE_DS1_PIONS",
    default_size=120_800,
)

CALOCHALLENGE_DS2 = DatasetSpec(
    name="calochallenge-ds2",
    representation=Voxel.from_geometry("ds2"),
    description=(
        "CaloChallenge dataset 2 (electrons, 1 GeV-1 TeV, 45x16x9 voxels): the real file via "
        "$HEPZOO_CALOCHALLENGE_DS2 (Zenodo 10.5281/zenodo.6366270), else GFlash-generated"
    ),
    maker=functools.partial(make_showers, "ds2"),
    recipe=functools.partial(shower_recipe, "ds2"),
    env_var="HEPZOO_CALOCHALLENGE_DS2",
    default_size=100_000,
)

CALOCHALLENGE_DS3 = DatasetSpec(
    name="calochallenge-ds3",
    representation=Voxel.from_geometry("ds3"),
    description=(
        "CaloChallenge dataset 3 (electrons, 1 GeV-1 TeV, 45x50x18 voxels): the real file via "
        "$HEPZOO_CALOCHALLENGE_DS3 (Zenodo 10.5281/zenodo.6366323), else GFlash-generated"
    ),
    maker=functools.partial(make_showers, "ds3"),
    recipe=functools.partial(shower_recipe, "ds3"),
    env_var="HEPZOO_CALOCHALLENGE_DS3",
    default_size=50_000,
)
