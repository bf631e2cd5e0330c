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
