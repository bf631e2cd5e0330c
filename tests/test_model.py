"""The Model contract, through the conformance suite on the core's test family."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.errors import ConfigError
from hepzoo.testing.conformance import ModelConformance


class TestTabularConformance(ModelConformance):
    @pytest.fixture
    def model(self, tabular_model):
        return tabular_model


def test_sample_records_what_made_it(tabular_model):
    samples = tabular_model.sample(4, seed=0, steps=3)
    assert samples.meta["sampler"] == "heun" and samples.meta["steps"] == 3
    assert samples.meta["model"] == "test-tabular-edm/unit"


def test_other_samplers_run_on_the_same_model(tabular_model):
    outs = {}
    for name in ("euler", "dpmpp-2m", "ddim"):
        out = tabular_model.sample(8, seed=0, sampler=name, steps=4)
        assert out.x.shape == (8, 2) and np.isfinite(out.x).all()
        assert out.meta["sampler"] == name
        np.testing.assert_array_equal(out.x, tabular_model.sample(8, seed=0, sampler=name, steps=4).x)
        outs[name] = out.x
    assert not np.array_equal(outs["euler"], outs["dpmpp-2m"])  # the sampler choice reaches the solver


def test_unknown_condition_is_named(tabular_model):
    with pytest.raises(ConfigError, match="unknown conditions"):
        tabular_model.sample(2, cond={"mass": 1.0})


def test_bad_device_is_clear(tabular_model):
    with pytest.raises(ConfigError, match="device"):
        tabular_model.sample(2, device="tpu")


def test_save_pretrained_is_byte_deterministic(tabular_model, tmp_path):
    from hepzoo.hub.integrity import sha256_file

    a = tabular_model.save_pretrained(tmp_path / "a")
    b = tabular_model.save_pretrained(tmp_path / "b")
    for name in ("config.json", "model.safetensors", "README.md"):
        assert sha256_file(a / name) == sha256_file(b / name)
