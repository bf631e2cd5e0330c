"""Pythia 8 + FastJet jet generation: determinism, worker independence, physics sanity."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hepzoo.data.jetnet_io import read_jetnet
from hepzoo.data.jets.catalog import DATASETS, JETNET150_TOP
from hepzoo.data.jets.pythia import chunk_seed, generate_jets, make_jets
from hepzoo.errors import DependencyError, InvalidDataError

pytest.importorskip("pythia8mc")
pytest.importorskip("fastjet")


def test_same_seed_same_jets_and_valid_layout():
    a = generate_jets("top", 12, seed=5, progress=False, chunk_size=6, n_particles=30)
    b = generate_jets("top", 12, seed=5, progress=False, chunk_size=6, n_particles=30)
    c = generate_jets("top", 12, seed=6, progress=False, chunk_size=6, n_particles=30)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    x, mask = a.x, a.mask
    assert x.shape == (12, 30, 3) and (x[~mask] == 0).all()
    assert (np.abs(x[..., 1]) <= np.pi).all()
    pt = np.where(mask, x[..., 2], -1)
    assert (np.diff(pt, axis=1)[mask[:, 1:]] <= 0).all()  # pT ordered
    assert ((a.cond["pt"] >= 800) & (a.cond["pt"] <= 1600)).all() and (np.abs(a.cond["eta"]) < 2.5).all()
    assert 0 < a.meta["acceptance"] <= 1 and (a.cond["type"] == 1).all()  # jetnet: t=1


def test_top_mass_window():
    """R = 0.4 tops (the default) often miss a decay product: a W peak beside the top peak, as in JetNet."""
    s = generate_jets("top", 40, seed=1, progress=False, chunk_size=40)
    mass = s.cond["mass"]
    assert 120 < np.median(mass) < 190
    assert ((mass > 65) & (mass < 100)).sum() >= 3  # W-only jets
    assert (mass > 150).sum() >= 10  # fully contained tops


@pytest.mark.slow  # starts two worker processes
def test_workers_do_not_change_the_file(tmp_path):
    one = make_jets(
        "w", 8, tmp_path / "a.h5", seed=3, workers=1, progress=False, chunk_size=4, n_particles=30
    )
    two = make_jets(
        "w", 8, tmp_path / "b.h5", seed=3, workers=2, progress=False, chunk_size=4, n_particles=30
    )
    a, b = read_jetnet(one), read_jetnet(two)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.cond["mass"], b.cond["mass"])
    assert a.meta["jet_type"] == "w" and "pythia_settings" in a.meta and a.meta["cuts"]["radius"] == 0.4


def test_chunk_seeds_are_distinct_and_valid():
    seeds = {chunk_seed(0, i) for i in range(1000)}
    assert len(seeds) == 1000 and all(1 <= s <= 900_000_000 for s in seeds)


def test_catalog_names():
    assert (
        JETNET150_TOP.env_var == "HEPZOO_JETNET150_TOP" and JETNET150_TOP.representation.max_particles == 150
    )
    assert sorted(DATASETS) == sorted(
        f"jetnet{p}-{t}" for p in (30, 150) for t in ("gluon", "quark", "top", "w", "z")
    )


def test_bad_type_and_missing_dependency(monkeypatch):
    with pytest.raises(InvalidDataError, match="unknown jet type"):
        generate_jets("higgs", 1, progress=False)
    monkeypatch.setitem(sys.modules, "pythia8mc", None)
    with pytest.raises(DependencyError, match="hepzoo\\[pythia\\]"):
        generate_jets("top", 1, progress=False)


def test_constituents_inside_the_jet_and_jetnet30_is_the_leading_30():
    full = generate_jets("top", 8, seed=11, progress=False, chunk_size=8, n_particles=150)
    lead = generate_jets("top", 8, seed=11, progress=False, chunk_size=8, n_particles=30)
    dr = np.hypot(full.x[..., 0], full.x[..., 1])
    assert (dr[full.mask] < 0.4).all()  # documented convention: (eta, phi) distance to the axis < R
    np.testing.assert_array_equal(lead.x, full.x[:, :30])
    np.testing.assert_array_equal(lead.mask, full.mask[:, :30])
    np.testing.assert_array_equal(lead.cond["n_particles"], np.minimum(full.cond["n_particles"], 30))
    pt_sum = np.where(full.mask, full.x[..., 2], 0).sum(1)
    assert (np.abs(pt_sum - 1) < 0.1).all()  # pt_rel sums to ~1 for untruncated jets
    assert full.meta["detector"] == {"name": "none"}  # particle level by default (docs/jets.md)


def test_particle_level_option_keeps_more_constituents_inside_the_jet():
    cms = generate_jets("top", 10, seed=4, progress=False, chunk_size=10, detector="cms", radius=0.8)
    particles = generate_jets("top", 10, seed=4, progress=False, chunk_size=10, radius=0.8)
    assert particles.meta["detector"] == {"name": "none"} and cms.meta["detector"]["hcal_energy_min"] == 1.0
    assert (np.hypot(particles.x[..., 0], particles.x[..., 1])[particles.mask] < 0.8).all()
    # Calorimeter towers merge photons and neutral hadrons: ~63 vs ~88 constituents per top.
    assert particles.cond["n_particles"].mean() > cms.cond["n_particles"].mean() + 10


def test_detector_option_reaches_the_maker_and_a_bad_one_fails_first(tmp_path):
    from hepzoo.data.datasets import make_dataset

    with pytest.raises(InvalidDataError, match="unknown detector"):
        make_dataset("jetnet30-top", 2, tmp_path / "x.h5", progress=False, detector="atlas")
    assert not (tmp_path / "x.h5").exists()
    path = make_dataset("jetnet30-w", 2, tmp_path / "w.h5", progress=False, detector="none")
    assert read_jetnet(path).meta["detector"] == {"name": "none"}


# Measured on 600 jets per type, seed 0, default recipe (docs/jets.md); a 300-jet sample lands within these bands.
_REFERENCE = {  # type: (multiplicity mean, eta_rel std, pt_rel mean)
    "quark": (41.4, 0.113, 0.0242),
    "top": (67.0, 0.137, 0.0150),
}


@pytest.mark.slow  # ~10 s per type
@pytest.mark.parametrize("jet_type", sorted(_REFERENCE))
def test_per_type_moments(jet_type):
    s = generate_jets(jet_type, 300, seed=123, progress=False)
    n_mean, eta_std, pt_mean = _REFERENCE[jet_type]
    f = s.x[s.mask]
    assert abs(s.mask.sum(1).mean() / n_mean - 1) < 0.08
    assert abs(f[:, 0].std() / eta_std - 1) < 0.08 and abs(f[:, 1].std() / eta_std - 1) < 0.08
    assert abs(f[:, 2].mean() / pt_mean - 1) < 0.08
