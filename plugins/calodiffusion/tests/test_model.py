"""CaloDiffusionModel: conformance, the DDPM default with the start offset, other samplers, files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.config import structure, unstructure
from hepzoo.errors import ConfigError
from hepzoo.testing.conformance import ModelConformance
from hepzoo_calodiffusion.config import CaloDiffusionConfig, ShowerScaling, UNetConfig
from hepzoo_calodiffusion.model import CaloDiffusionModel


class TestCaloDiffusionConformance(ModelConformance):
    """The suite every family inherits, on a one-stage U-Net with a 5-step schedule (3 DDPM steps)."""

    n_events = 6

    @pytest.fixture
    def model(self, make_model, registry):
        return make_model(timesteps=5, layer_sizes=(8, 8))


def test_defaults_are_the_papers(registry):
    model = CaloDiffusionModel()
    assert model.default_sampler == "ddpm" and model.default_steps == 398 and model.default_batch_size == 100
    assert model.objective.timesteps == 400 and model.objective.start_offset == 2
    assert model.objective.time_input == "sigma" and model.objective.schedule_name == "cosine"
    grid = model.objective.schedule(model.default_steps)
    torch.testing.assert_close(grid[:-1], model.objective.sigmas.flip(0)[2:])  # t = 397 ... 0
    assert [c.name for c in model.conditions] == ["energy"] and model.conditions[0].unit == "MeV"
    assert (model.conditions[0].low, model.conditions[0].high) == (1e3, 1e6)
    assert model.event_shape({}) == (1, 45, 16, 9)


def test_ddpm_default_runs_from_the_offset_and_other_samplers_are_selectable(make_model, registry, monkeypatch):
    model = make_model(timesteps=10)
    seen = []
    original = model.objective.predict_noise

    def spy(x, time, vp_sigma, cond=None, mask=None):
        seen.append(float(time[0]))
        return original(x, time, vp_sigma, cond, mask)

    monkeypatch.setattr(model.objective, "predict_noise", spy)
    out = model.sample(3, seed=0)
    assert out.meta["sampler"] == "ddpm" and out.meta["steps"] == 8
    assert seen == pytest.approx([7, 6, 5, 4, 3, 2, 1, 0], abs=1e-3)  # t = T - 1 - 2 down to 0
    for sampler in ("ddim", "dpmpp-2m"):
        seen.clear()
        out = model.sample(3, seed=0, sampler=sampler, steps=3)
        assert out.meta["sampler"] == sampler and len(seen) == 3 and seen[0] == pytest.approx(7, abs=1e-3)
        assert out.x.shape == (3, 6480) and np.isfinite(out.x).all()
    with pytest.raises(ConfigError, match="exceeds"):
        model.sample(2, seed=0, sampler="ddim", steps=9)


def test_sampled_file_is_calochallenge_format(make_model, registry, tmp_path):
    import h5py

    from hepzoo.data import read_samples

    model = make_model()
    energies = np.array([2_000.0, 50_000.0, 900_000.0])
    out = model.sample(3, seed=4, cond={"energy": energies})
    assert out.x.dtype == np.float32 and out.x.shape == (3, 6480)
    assert ((out.x == 0) | (out.x >= model.config.scaling.energy_cut)).all()
    path = out.save(tmp_path / "showers.h5")
    with h5py.File(path) as f:  # what the challenge's evaluate.py reads
        assert f["showers"].shape == (3, 6480) and f["incident_energies"].shape == (3, 1)
        assert f["incident_energies"].dtype == np.float64
        np.testing.assert_allclose(f["incident_energies"][:, 0], energies, rtol=1e-6)
    back = read_samples(path)
    assert back.representation.kind == "voxel" and back.representation.name == "ds2"
    np.testing.assert_array_equal(back.x, out.x)


def test_energies_are_drawn_log_uniform(make_model, registry):
    energies = make_model().draw_conditions(4000, torch.Generator().manual_seed(0))["energy"].double()
    assert energies.min() >= 1e3 and energies.max() <= 1e6
    decade = torch.histc(energies.log10(), bins=3, min=3, max=6) / 4000
    torch.testing.assert_close(decade, torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.03, rtol=0)


def test_full_size_model_has_the_papers_parameter_count():
    assert sum(p.numel() for p in CaloDiffusionModel().parameters()) == 517_969


def test_config_round_trip_and_refusals():
    cfg = CaloDiffusionConfig(unet=UNetConfig(layer_sizes=(8, 8, 16)), timesteps=100, start_offset=0)
    assert structure(unstructure(cfg), CaloDiffusionConfig) == cfg
    with pytest.raises(ConfigError, match="published"):
        ShowerScaling.published("ds4")
    with pytest.raises(ConfigError, match="start_offset"):
        CaloDiffusionModel(CaloDiffusionConfig(unet=UNetConfig(layer_sizes=(8, 8)), timesteps=10, start_offset=10))


def test_dataset1_photons_sample_flat_showers_through_glam(registry, tmp_path):
    from hepzoo.data import read_samples

    torch.manual_seed(0)
    config = CaloDiffusionConfig(geometry="ds1-photons", scaling=ShowerScaling.published("ds1-photons"), timesteps=5,
                                 unet=UNetConfig(layer_sizes=(8, 8), cond_dim=16, angle_channel=True))
    model = CaloDiffusionModel(config).eval()
    assert model.event_shape({}) == (368,) and model.unet.images.shape == (3, 5, 10, 30)
    assert {k.split(".")[2] for k in model.state_dict() if k.startswith("objective.")} == {"glam", "unet"}
    out = model.sample(3, seed=0, cond={"energy": 65_536.0})
    assert out.x.shape == (3, 368) and np.isfinite(out.x).all()
    back = read_samples(out.save(tmp_path / "photons.h5"))
    assert back.representation.name == "ds1-photons"
    np.testing.assert_array_equal(back.x, out.x)
