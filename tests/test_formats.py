"""File formats by registration: a file is read by the format its datasets identify, written by its kind's."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from hepzoo.data import read_samples, write_samples
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.representations import PointCloud, Tabular
from hepzoo.samples import Samples
from hepzoo.testing import random_jets


def test_jets_round_trip_through_the_registered_jetnet_format(tmp_path, registry):
    x, mask = random_jets(50, 30, seed=1)
    jets = Samples(x=x, representation=PointCloud(max_particles=30), mask=mask)
    path = write_samples(jets, tmp_path / "jets.h5")
    with h5py.File(path, "r") as f:
        assert f["particle_features"].shape == (50, 30, 4)  # JetNet layout, mask as the 4th feature
    back = read_samples(path)
    np.testing.assert_array_equal(back.mask, mask)
    np.testing.assert_allclose(back.x, x, rtol=1e-6)


def test_a_kind_without_a_registered_writer_uses_its_own_layout(tmp_path, registry):
    table = Samples(x=np.arange(6.0).reshape(3, 2), representation=Tabular(columns=("a", "b")))
    path = write_samples(table, tmp_path / "t.h5")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["b"][()], [1.0, 3.0, 5.0])
    with pytest.raises(ConfigError, match="format 'jetnet-hdf5' holds point_cloud samples, not tabular"):
        write_samples(table, tmp_path / "u.h5", format="jetnet-hdf5")


def test_an_unknown_file_names_the_known_formats(tmp_path, registry):
    with h5py.File(tmp_path / "odd.h5", "w") as f:
        f["something"] = np.zeros(3)
    with pytest.raises(InvalidDataError, match=r"no known format \(.*jetnet-hdf5 \(particle_features\).*\['something'\]"):
        read_samples(tmp_path / "odd.h5")
