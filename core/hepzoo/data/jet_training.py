"""Training and validation jets from one JetNet-layout file or dataset: jetnet's 70/15/15 split."""

from __future__ import annotations

import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.samples import Samples

__all__ = ["load_jet_training_data"]


def load_jet_training_data(data: str, max_particles: int = 150, max_jets: int | None = None) -> tuple[Samples, Samples]:
    """``(train, valid)`` from a JetNet HDF5 file (70/15/15 split, seed 42) or a registered dataset name.

    Jets without particles are dropped; fewer than 2 training or 1 validation jet is refused.
    """
    from hepzoo.data.datasets import training_split
    from hepzoo.representations import PointCloud

    train_set, valid_set = training_split(data, PointCloud(max_particles=max_particles).read, max_jets)
    out = []
    for part in (train_set, valid_set):
        keep = part.mask.sum(1) > 0
        out.append(part if keep.all() else part[np.flatnonzero(keep)])
    if len(out[0]) < 2 or len(out[1]) < 1:
        raise InvalidDataError(f"too few jets to train on ({len(out[0])} train, {len(out[1])} valid); pass more data")
    return out[0], out[1]
