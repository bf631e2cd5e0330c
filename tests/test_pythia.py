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
    assert 0 < a.meta["acceptance"] <= 1 and (a.cond["type"] == 2).all()


def test_top_mass_window():
    s = generate_jets("top", 40, seed=1, progress=False, chunk_size=40)
    assert 150 < np.median(s.cond["mass"]) < 215


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
    assert a.meta["jet_type"] == "w" and "pythia_settings" in a.meta and a.meta["cuts"]["radius"] == 0.8


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
