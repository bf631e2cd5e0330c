"""Training and validation jets from one JetNet-layout file or dataset: jetnet's 70/15/15 split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.samples import Samples

__all__ = ["load_jet_training_data"]


def load_jet_training_data(data: str, max_particles: int = 150, max_jets: int | None = None) -> tuple[Samples, Samples]:
    """``(train, valid)`` from a JetNet HDF5 file (70/15/15 split, seed 42) or a registered dataset name.

    Jets without particles are dropped; fewer than 2 training or 1 validation jet is refused.
    """
    from hepzoo.data.datasets import load_dataset, split_indices
    from hepzoo.representations import PointCloud

    path = Path(data)
    if path.suffix in (".h5", ".hdf5") or path.exists():
        samples = PointCloud(max_particles=max_particles).read(path)
        if max_jets:
            samples = samples[:max_jets]
        split = split_indices(len(samples), (0.7, 0.15, 0.15), seed=42)
        train_set, valid_set = samples[np.sort(split["train"])], samples[np.sort(split["valid"])]
    else:
        train_set, valid_set = load_dataset(data, "train"), load_dataset(data, "valid")
        if max_jets:
            train_set, valid_set = train_set[: int(0.7 * max_jets)], valid_set[: int(0.15 * max_jets)]
    out = []
    for part in (train_set, valid_set):
        keep = part.mask.sum(1) > 0
        out.append(part if keep.all() else part[np.flatnonzero(keep)])
    if len(out[0]) < 2 or len(out[1]) < 1:
        raise InvalidDataError(f"too few jets to train on ({len(out[0])} train, {len(out[1])} valid); pass more data")
    return out[0], out[1]
