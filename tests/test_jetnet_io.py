"""JetNet HDF5 round trip and the validation of bad files."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from hepzoo.data.jetnet_io import read_jetnet, relative_jet_features, write_jetnet
from hepzoo.errors import InvalidDataError
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples


def _jets(n=20, p=10, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, p + 1, n)
    mask = np.arange(p)[None] < counts[:, None]
    x = rng.normal(0, 0.1, (n, p, 3)).astype(np.float32)
    x[..., 2] = np.abs(x[..., 2]) + 0.01
    x[~mask] = 0
    return x, mask


def _samples(cond=True, p=10):
    x, mask = _jets(p=p)
    c = (
        {"pt": np.full(len(x), 1000.0), "eta": np.zeros(len(x)), "mass": np.full(len(x), 175.0)}
        if cond
        else {}
    )
    return Samples(x=x, representation=PointCloud(max_particles=p), mask=mask, cond=c, meta={"seed": 3})


def test_round_trip_with_jet_features(tmp_path):
    s = _samples()
    path = write_jetnet(tmp_path / "j.h5", s, metadata={"settings": ["a = 1"]})
    r = read_jetnet(path)
    np.testing.assert_array_equal(r.x, s.x)
    np.testing.assert_array_equal(r.mask, s.mask)
    np.testing.assert_allclose(r.cond["mass"], 175.0)
    np.testing.assert_array_equal(r.cond["n_particles"], s.mask.sum(1))
    assert r.meta["seed"] == 3 and r.meta["settings"] == ["a = 1"]
    with h5py.File(path) as f:
        assert f["particle_features"].shape == (20, 10, 4) and f["particle_features"].dtype == np.float32
        assert f["jet_features"].shape == (20, 4) and f["particle_features"].compression == "gzip"


def test_samples_save_uses_jetnet(tmp_path):
    s = _samples()
    r = PointCloud(max_particles=10).read(s.save(tmp_path / "s.h5"))
    np.testing.assert_array_equal(r.x, s.x)


def test_unconditional_file_has_jet_features_with_nan_where_unknown(tmp_path):
    s = _samples(cond=False)
    r = read_jetnet(write_jetnet(tmp_path / "u.h5", s))
    assert set(r.cond) == {"n_particles"}
    np.testing.assert_array_equal(r.cond["n_particles"], s.mask.sum(1))
    with h5py.File(tmp_path / "u.h5") as f:
        jf = f["jet_features"][:]  # jetnet's getData reads this dataset in every file
        assert f["jet_features"].attrs["unknown"] == "pt,eta,mass"
        rel = f["relative_jet_features"]
        assert rel.attrs["columns"] == "pt_sum_over_pt_jet,eta_rel,mass_over_pt_jet"
        values = rel[:]
    assert jf.shape == (20, 4)
    assert np.isnan(jf[:, :3]).all()  # never relative values under a GeV column
    np.testing.assert_array_equal(jf[:, 3], s.mask.sum(1))
    assert np.isfinite(values).all() and (values[:, 2] > 0).all()
    rel = relative_jet_features(s.x, s.mask)
    np.testing.assert_allclose(values, np.stack([rel["pt"], rel["eta"], rel["mass"]], 1), rtol=1e-6, atol=1e-7)


def test_absolute_jet_features_are_kept(tmp_path):
    s = _samples()
    with h5py.File(write_jetnet(tmp_path / "a.h5", s)) as f:
        jf = f["jet_features"][:]
        assert f["jet_features"].attrs["unknown"] == ""
        assert "relative_jet_features" in f
    np.testing.assert_array_equal(jf, np.stack([s.cond["pt"], s.cond["eta"], s.cond["mass"], s.mask.sum(1)], 1))


def test_partial_jet_features_fill_only_their_columns(tmp_path):
    s = _samples(cond=False)
    s.cond["pt"] = np.full(len(s), 900.0)
    r = read_jetnet(write_jetnet(tmp_path / "p.h5", s))
    with h5py.File(tmp_path / "p.h5") as f:
        jf = f["jet_features"][:]
        assert f["jet_features"].attrs["unknown"] == "eta,mass" and "conditions" not in f
    np.testing.assert_array_equal(jf[:, 0], 900.0)
    assert np.isnan(jf[:, 1:3]).all()
    assert set(r.cond) == {"pt", "n_particles"}
    np.testing.assert_array_equal(r.cond["pt"], 900.0)


def test_partly_nan_jet_features_are_refused(tmp_path):
    pf, jf = _raw()
    jf[3, 0] = np.nan
    _write_raw(tmp_path / "bad.h5", pf, jf)
    with pytest.raises(InvalidDataError, match="NaN"):
        read_jetnet(tmp_path / "bad.h5")


def test_jet_type_follows_jetnet_order_and_old_label_orders_are_remapped(tmp_path):
    s = _samples()
    s.cond["type"] = np.array([0, 1, 2, 3, 4] * 4, dtype=np.int64)
    path = write_jetnet(tmp_path / "t.h5", s)
    with h5py.File(path, "a") as f:
        assert f["jet_type"].attrs["labels"] == "gluon,top,quark,w,z"  # jetnet: g=0, t=1, q=2, w=3, z=4
        f["jet_type"][...] = np.array([0, 2, 1, 3, 4] * 4)  # the same jets, as files with q=1, t=2 hold them
        f["jet_type"].attrs["labels"] = "gluon,quark,top,w,z"
    np.testing.assert_array_equal(read_jetnet(path).cond["type"], s.cond["type"])


def test_every_condition_round_trips(tmp_path):
    s = _samples()
    s.cond["type"] = np.array([2, 0, 4, 1, 3] * 4, dtype=np.int64)
    s.cond["weight"] = np.linspace(0, 1, 20).astype(np.float32)
    r = read_jetnet(s.save(tmp_path / "all.h5"))
    assert set(r.cond) == {"pt", "eta", "mass", "n_particles", "type", "weight"}
    np.testing.assert_array_equal(r.cond["type"], s.cond["type"])
    np.testing.assert_array_equal(r.cond["weight"], s.cond["weight"])
    np.testing.assert_array_equal(r.cond["pt"], 1000.0)
    with h5py.File(tmp_path / "all.h5") as f:
        assert f["jet_type"].attrs["labels"] == "gluon,top,quark,w,z"
        assert f["jet_features"].attrs["columns"] == "pt,eta,mass,n_particles"


def test_clip_150_file_to_fewer_particles(tmp_path):
    s = _samples(p=10)
    r = read_jetnet(write_jetnet(tmp_path / "j.h5", s), representation=PointCloud(max_particles=4))
    assert r.x.shape == (20, 4, 3)
    np.testing.assert_array_equal(r.cond["n_particles"], np.minimum(s.mask.sum(1), 4))


def _write_raw(path, pf, jf):
    with h5py.File(path, "w") as f:
        if pf is not None:
            f["particle_features"] = pf
        if jf is not None:
            f["jet_features"] = jf


def _raw():
    x, mask = _jets()
    pf = np.concatenate([x, mask[..., None]], -1).astype(np.float32)
    jf = np.stack([np.full(20, 1000.0), np.zeros(20), np.full(20, 90.0), mask.sum(1)], 1).astype(np.float32)
    return pf, jf


def test_real_jetnet_layout_without_metadata_reads(tmp_path):
    pf, jf = _raw()
    jf[:, 3] += 5  # JetNet30 files count all constituents; the reader clips to P
    pf_150 = np.concatenate([pf, np.zeros((20, 140, 4), np.float32)], axis=1)
    jf_150 = jf.copy()
    jf_150[:, 3] -= 5
    _write_raw(tmp_path / "t150.hdf5", pf_150, jf_150)
    r = read_jetnet(tmp_path / "t150.hdf5", representation=PointCloud(max_particles=30))
    assert r.x.shape == (20, 30, 3) and "mass" in r.cond


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda pf, jf: (None, jf), "particle_features"),
        (lambda pf, jf: (pf, None), "jet_features"),
        (lambda pf, jf: (pf[..., :2], jf), "shape"),
        (lambda pf, jf: (pf, jf[:, :3]), "shape"),
        (lambda pf, jf: (np.where(np.arange(4) == 0, np.nan, pf), jf), "NaN"),
        (lambda pf, jf: (np.concatenate([pf[..., :3], 0.5 * pf[..., 3:]], -1), jf), "mask column"),
        (lambda pf, jf: (pf, np.concatenate([jf[:, :3], jf[:, 3:] + 1], 1)), "n_particles"),
    ],
)
def test_bad_files_raise(tmp_path, corrupt, message):
    pf, jf = corrupt(*_raw())
    _write_raw(tmp_path / "bad.h5", pf, jf)
    with pytest.raises(InvalidDataError, match=message):
        read_jetnet(tmp_path / "bad.h5")


def test_features_on_padding_raise(tmp_path):
    pf, jf = _raw()
    pad = np.argwhere(pf[..., 3] == 0)[0]
    pf[pad[0], pad[1], 0] = 0.3
    _write_raw(tmp_path / "bad.h5", pf, jf)
    with pytest.raises(InvalidDataError, match="masked-out"):
        read_jetnet(tmp_path / "bad.h5")


def test_missing_and_non_hdf5(tmp_path):
    with pytest.raises(InvalidDataError, match="does not exist"):
        read_jetnet(tmp_path / "nope.h5")
    (tmp_path / "x.h5").write_text("hello")
    with pytest.raises(InvalidDataError, match="HDF5"):
        read_jetnet(tmp_path / "x.h5")


def test_failed_write_leaves_no_file(tmp_path):
    s = _samples()
    circular: dict = {}
    circular["self"] = circular
    with pytest.raises(InvalidDataError, match="metadata"):
        write_jetnet(tmp_path / "j.h5", s, metadata={"bad": circular})
    assert not list(tmp_path.iterdir())


def test_batches_read_by_slices_are_the_whole_file_in_pieces(tmp_path):
    from hepzoo.data.jetnet_io import read_jetnet_batches

    s = _samples()
    s.cond["type"] = np.arange(len(s.x)) % 5
    s.cond["radius"] = np.linspace(0.4, 0.8, len(s.x))  # a conditions/<name> column
    path = write_jetnet(tmp_path / "j.h5", s)
    whole = read_jetnet(path, PointCloud(max_particles=6))
    batches = list(read_jetnet_batches(path, 7, PointCloud(max_particles=6)))
    assert [len(b) for b in batches] == [7, 7, 6]
    joined = Samples.concatenate(batches)
    np.testing.assert_array_equal(joined.x, whole.x)
    np.testing.assert_array_equal(joined.mask, whole.mask)
    assert sorted(joined.cond) == sorted(whole.cond) == ["eta", "mass", "n_particles", "pt", "radius", "type"]
    for key, values in whole.cond.items():
        np.testing.assert_array_equal(joined.cond[key], values)
    assert batches[1].meta == whole.meta


def test_a_bad_jet_in_a_later_batch_is_named_by_its_place_in_the_file(tmp_path):
    from hepzoo.data.jetnet_io import read_jetnet_batches

    path = write_jetnet(tmp_path / "j.h5", _samples())
    with h5py.File(path, "r+") as f:
        f["particle_features"][12, 0, 0] = np.nan
    with pytest.raises(InvalidDataError, match=r"1 NaN/inf values \(first at \(12, 0, 0\)\)"):
        read_jetnet(path)
    batches = read_jetnet_batches(path, 5)
    assert len(next(batches)) == 5 and len(next(batches)) == 5
    with pytest.raises(InvalidDataError, match=r"1 NaN/inf values among jets 10..14 \(first at \(12, 0, 0\)\)"):
        next(batches)
