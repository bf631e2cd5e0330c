"""A cached generated dataset is used only if it was made with the recipe data make now makes by default."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.datasets import load_dataset
from hepzoo.data.jets.pythia import jet_recipe
from hepzoo.errors import InvalidDataError
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing.data import random_jets


def _cache(folder, recipe, n=40):
    x, mask = random_jets(n=n, p=150, seed=0)
    cond = {"pt": np.full(n, 1000.0), "eta": np.zeros(n), "mass": np.full(n, 170.0)}
    meta = {**recipe, "seed": 0, "versions": {"numpy": np.__version__}}
    Samples(x=x, representation=PointCloud(max_particles=150), mask=mask, cond=cond, meta=meta).save(
        folder / "jetnet150-top.h5"
    )


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HEPZOO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HEPZOO_JETNET150_TOP", raising=False)
    return tmp_path


def test_a_cache_of_the_default_recipe_is_used(cache):
    _cache(cache, jet_recipe("top", radius=0.4))
    assert len(load_dataset("jetnet150-top", "all")) == 40


def test_a_cache_of_another_recipe_is_refused_in_one_line(cache):
    _cache(cache, jet_recipe("top", detector="cms", radius=0.8))
    with pytest.raises(InvalidDataError, match=r"another recipe \(its 'cuts', 'detector' differ") as err:
        load_dataset("jetnet150-top", "test")
    assert "hepzoo data make jetnet150-top" in str(err.value) and "\n" not in str(err.value)


def test_the_recipe_is_what_the_generator_records():
    from hepzoo.data.merge import RECIPE_KEYS

    recipe = jet_recipe("top", detector="cms", radius=0.8)
    assert recipe["cuts"]["radius"] == 0.8 and recipe["detector"]["name"] == "cms"
    assert set(recipe) <= set(RECIPE_KEYS)


@pytest.fixture
def shower_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HEPZOO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HEPZOO_CALOCHALLENGE_DS2", raising=False)
    return tmp_path / "calochallenge-ds2.h5"


def test_a_shower_cache_of_the_default_recipe_is_used_and_records_it(shower_cache):
    from hepzoo.data.calochallenge_io import METADATA_GROUP
    from hepzoo.data.h5 import read_metadata
    from hepzoo.data.showers.gflash import make_showers, shower_recipe

    make_showers("ds2", 12, shower_cache, seed=3, progress=False)
    assert len(load_dataset("calochallenge-ds2", "all")) == 12
    import h5py

    with h5py.File(shower_cache, "r") as f:
        meta = read_metadata(f[METADATA_GROUP])
    assert {k: meta[k] for k in shower_recipe("ds2")} == shower_recipe("ds2") and meta["seed"] == 3


@pytest.mark.parametrize("made_with, differs", [({"e_min": 1e4}, "'e_min_mev'"), ({"e_max": 2e6}, "'e_max_mev'")])
def test_a_shower_cache_of_other_generator_settings_is_refused_and_kept(shower_cache, made_with, differs):
    from hepzoo.data.showers.gflash import make_showers

    make_showers("ds2", 12, shower_cache, seed=0, progress=False, **made_with)
    before = shower_cache.read_bytes()
    with pytest.raises(InvalidDataError, match=f"another recipe \\(its {differs} differ") as err:
        load_dataset("calochallenge-ds2", "train")
    assert "hepzoo data make calochallenge-ds2" in str(err.value) and "\n" not in str(err.value)
    assert shower_cache.read_bytes() == before


def test_a_shower_cache_of_another_generator_version_is_refused(shower_cache):
    import h5py

    from hepzoo.data.calochallenge_io import METADATA_GROUP
    from hepzoo.data.showers.gflash import make_showers

    make_showers("ds2", 12, shower_cache, seed=0, progress=False)
    with h5py.File(shower_cache, "r+") as f:
        del f[METADATA_GROUP].attrs["generator_version"]  # as the files made before the version was recorded
    with pytest.raises(InvalidDataError, match="'generator_version' differ"):
        load_dataset("calochallenge-ds2", "all")


def test_an_unreadable_cache_is_one_line_naming_the_remake(shower_cache):
    shower_cache.write_bytes(b"not hdf5")
    with pytest.raises(InvalidDataError, match="not a readable HDF5 file .*hepzoo data make calochallenge-ds2") as err:
        load_dataset("calochallenge-ds2", "all")
    assert "\n" not in str(err.value) and shower_cache.read_bytes() == b"not hdf5"
