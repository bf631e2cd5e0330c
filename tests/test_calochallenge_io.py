"""CaloChallenge HDF5 reading and writing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from hepzoo.data.calochallenge_io import read_calochallenge, write_calochallenge
from hepzoo.errors import InvalidDataError
from hepzoo.representations.voxel import Voxel
from hepzoo.samples import Samples


def _samples(name="ds1-photons", n=5, seed=0):
    v = Voxel.from_geometry(name)
    rng = np.random.default_rng(seed)
    x = rng.exponential(1.0, (n, v.n_voxels)).astype(np.float32)
    return Samples(x=x, representation=v, cond={"energy": rng.uniform(1e3, 1e6, n).astype(np.float32)})


def _challenge_check_file(f, dataset):
    """The structural checks of the challenge's evaluate.py (check_file + extract_shower_and_energy)."""
    num_features = {"1-photons": 368, "1-pions": 533, "2": 6480, "3": 40500}[dataset]
    num_events = f["incident_energies"].shape[0]
    assert f["showers"].shape[0] == num_events
    assert f["showers"].shape[1] == num_features
    shower, energy = f["showers"][:], f["incident_energies"][:]
    assert energy.shape == (num_events, 1)
    np.log10(energy)  # used as classifier input
    return shower, energy


def test_round_trip_and_challenge_layout(tmp_path):
    s = _samples("ds2", n=4)
    path = s.save(tmp_path / "gen.h5")
    assert not (tmp_path / "gen.h5.partial").exists()
    with h5py.File(path) as f:
        shower, energy = _challenge_check_file(f, "2")
        assert f["showers"].compression == "gzip"
    np.testing.assert_array_equal(shower, s.x)
    np.testing.assert_array_equal(energy[:, 0], s.cond["energy"])
    back = read_calochallenge(path)  # geometry inferred from the voxel count
    assert back.representation == s.representation
    np.testing.assert_array_equal(back.x, s.x)
    assert back.meta["geometry"] == "ds2"


def test_reads_plain_challenge_file(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["incident_energies"] = np.full((3, 1), 1024.0)
        f["showers"] = np.ones((3, 533))
    s = read_calochallenge(path)
    assert s.representation.name == "ds1-pions" and s.x.dtype == np.float32 and s.meta["source"] == str(path)
    assert Voxel.from_geometry("ds1-pions").read(path).x.shape == (3, 533)


def test_bad_files(tmp_path):
    with pytest.raises(InvalidDataError, match="does not exist"):
        read_calochallenge(tmp_path / "nope.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(InvalidDataError, match="not a readable HDF5"):
        read_calochallenge(tmp_path / "text.h5")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f["showers"] = np.ones((3, 368))
    with pytest.raises(InvalidDataError, match="incident_energies"):
        read_calochallenge(tmp_path / "a.h5")
    with h5py.File(tmp_path / "b.h5", "w") as f:
        f["showers"] = np.ones((3, 100))
        f["incident_energies"] = np.ones((3, 1))
    with pytest.raises(InvalidDataError, match="no CaloChallenge geometry has 100"):
        read_calochallenge(tmp_path / "b.h5")
    with pytest.raises(InvalidDataError, match="368"):
        read_calochallenge(tmp_path / "b.h5", representation=Voxel.from_geometry("ds1-photons"))
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["showers"] = -np.ones((3, 368))
        f["incident_energies"] = np.ones((3, 1))
    with pytest.raises(InvalidDataError, match="negative"):
        read_calochallenge(tmp_path / "c.h5")


def test_write_needs_energy(tmp_path):
    s = _samples()
    s.cond.clear()
    with pytest.raises(InvalidDataError, match="energy"):
        write_calochallenge(tmp_path / "x.h5", s)
    assert not list(tmp_path.iterdir())


def test_incident_energies_are_float64_and_every_condition_round_trips(tmp_path):
    """The official files store float64 energies (evaluate.py's classifier needs that dtype)."""
    s = _samples()
    s.cond["energy"] = s.cond["energy"].astype(np.float64) + 1e-3  # not representable in float32
    s.cond["angle"] = np.arange(len(s), dtype=np.float32)
    path = s.save(tmp_path / "e.h5")
    with h5py.File(path) as f:
        assert f["incident_energies"].dtype == np.float64
    r = read_calochallenge(path)
    assert r.cond["energy"].dtype == np.float64
    np.testing.assert_array_equal(r.cond["energy"], s.cond["energy"])
    np.testing.assert_array_equal(r.cond["angle"], s.cond["angle"])


def test_metadata_round_trips_and_files_of_the_older_all_json_metadata_still_read(tmp_path):
    import json

    meta = {"geometry": "ds1-photons", "seed": 3, "e_min_mev": 1e3, "parts": [{"file": "a.h5"}]}
    path = write_calochallenge(tmp_path / "new.h5", _samples(), meta=meta)
    assert {k: read_calochallenge(path).meta[k] for k in meta} == meta
    old = tmp_path / "old.h5"
    with h5py.File(old, "w") as f:  # metadata as hepzoo wrote it before: every attribute JSON text
        f["incident_energies"] = np.full((2, 1), 1e4)
        f["showers"] = np.ones((2, 368), np.float32)
        for key, value in meta.items():
            f.require_group("metadata").attrs[key] = json.dumps(value)
    assert {k: read_calochallenge(old).meta[k] for k in meta} == meta
