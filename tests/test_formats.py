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


def test_tables_round_trip_through_the_registered_tabular_format(tmp_path, registry):
    table = Samples(
        x=np.arange(6.0).reshape(3, 2),
        representation=Tabular(columns=("a", "b")),
        cond={"type": np.array([0, 1, 4]), "pt": np.array([500.0, 600.0, 700.0], np.float32)},
        meta={"seed": 7, "batch_size": 2, "sampler_options": {"s_churn": 1.0}},
    )
    path = write_samples(table, tmp_path / "t.h5")
    with h5py.File(path, "r") as f:
        assert f["table"].attrs["columns"] == "a,b"
    back = read_samples(path)  # found by its datasets, like JetNet and CaloChallenge files
    assert back.representation == table.representation
    np.testing.assert_array_equal(back.x, table.x)
    for name, values in table.cond.items():
        np.testing.assert_array_equal(back.cond[name], values)
        assert back.cond[name].dtype == values.dtype
    assert {k: back.meta[k] for k in table.meta} == table.meta
    np.testing.assert_array_equal(Tabular(columns=("a", "b")).read(path).x, table.x)
    with pytest.raises(InvalidDataError, match="the representation asks for"):
        Tabular(columns=("b", "a")).read(path)
    with pytest.raises(ConfigError, match="format 'jetnet-hdf5' holds point_cloud samples, not tabular"):
        write_samples(table, tmp_path / "u.h5", format="jetnet-hdf5")


def test_tables_from_a_model_merge_by_format(tabular_model, tmp_path, registry):
    from hepzoo.data import merge_files

    parts = [tabular_model.sample(6, seed=s, steps=3).save(tmp_path / f"{s}.h5") for s in (1, 2)]
    merged = read_samples(merge_files(parts, tmp_path / "all.h5"))
    assert len(merged) == 12 and [p["seed"] for p in merged.meta["parts"]] == [1, 2]


def test_representation_read_and_write_go_through_the_registered_formats(tmp_path, registry):
    x, mask = random_jets(5, 30, seed=2)
    jets = Samples(x=x, representation=PointCloud(max_particles=30), mask=mask)
    path = PointCloud(max_particles=30).write(jets, tmp_path / "j.h5")
    with h5py.File(path, "r") as f:
        assert "jet_features" in f  # the jetnet-hdf5 writer
    assert PointCloud(max_particles=4).read(path).x.shape == (5, 4, 3)  # the reader clips, as jetnet's
    with pytest.raises(InvalidDataError, match="not tabular"):
        Tabular(columns=("a",)).read(path)


def test_an_unknown_file_names_the_known_formats(tmp_path, registry):
    with h5py.File(tmp_path / "odd.h5", "w") as f:
        f["something"] = np.zeros(3)
    with pytest.raises(InvalidDataError, match=r"no known format \(.*jetnet-hdf5 \(particle_features\).*\['something'\]"):
        read_samples(tmp_path / "odd.h5")


def _same_file_content(a, b):
    """Every dataset of two HDF5 files holds the same values (metadata aside)."""
    with h5py.File(a) as fa, h5py.File(b) as fb:
        names: list[str] = []
        fa.visit(lambda n: names.append(n) if isinstance(fa[n], h5py.Dataset) else None)
        others: list[str] = []
        fb.visit(lambda n: others.append(n) if isinstance(fb[n], h5py.Dataset) else None)
        assert sorted(names) == sorted(others)
        for name in names:
            np.testing.assert_array_equal(fa[name][()], fb[name][()], err_msg=name)
            assert dict(fa[name].attrs) == dict(fb[name].attrs)


def test_batches_stream_into_the_same_jetnet_file(tmp_path, registry):
    x, mask = random_jets(50, 30, seed=1)
    cond = {"pt": np.linspace(500, 900, 50).astype(np.float32), "type": np.arange(50) % 5,
            "n_particles": mask.sum(1), "extra": np.arange(50.0)}
    jets = Samples(x=x, representation=PointCloud(max_particles=30), mask=mask, cond=cond, meta={"seed": 1})
    whole = write_samples(jets, tmp_path / "whole.h5")
    streamed = write_samples((jets[i : i + 7] for i in range(0, 50, 7)), tmp_path / "streamed.h5",
                             representation=jets.representation)
    _same_file_content(whole, streamed)


def test_batches_stream_into_the_same_calochallenge_file(tmp_path, registry):
    from hepzoo.representations import Voxel

    rep = Voxel.from_geometry("ds2")
    rng = np.random.default_rng(0)
    showers = Samples(x=rng.exponential(1.0, (9, rep.n_voxels)).astype(np.float32), representation=rep,
                      cond={"energy": np.linspace(1e3, 1e4, 9), "tag": np.arange(9)})
    whole = write_samples(showers, tmp_path / "whole.h5")
    streamed = write_samples((showers[i : i + 4] for i in range(0, 9, 4)), tmp_path / "streamed.h5",
                             representation=rep)
    _same_file_content(whole, streamed)


def test_no_batches_is_an_error_and_no_file(tmp_path, registry):
    with pytest.raises(InvalidDataError, match="no events"):
        write_samples(iter([]), tmp_path / "none.h5", representation=PointCloud(max_particles=3))
    assert list(tmp_path.iterdir()) == []
