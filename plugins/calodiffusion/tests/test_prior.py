"""Incident energies drawn when none are given: dataset 1's fifteen powers of two, dataset 2's log-uniform law."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo_calodiffusion.config import CaloDiffusionConfig, ShowerScaling, UNetConfig
from hepzoo_calodiffusion.model import CaloDiffusionModel

DS1_ENERGIES = 2.0 ** np.arange(8, 23)  # 256 MeV .. 4.19 TeV


def _ds1_model() -> CaloDiffusionModel:
    config = CaloDiffusionConfig(geometry="ds1-photons", unet=UNetConfig(layer_sizes=(8, 8), cond_dim=16, angle_channel=True),
                                 timesteps=5, scaling=ShowerScaling.published("ds1-photons"))
    return CaloDiffusionModel(config)


def test_dataset1_energies_are_its_fifteen_powers_of_two():
    energy = _ds1_model().prior.sample(3000, torch.Generator().manual_seed(0))["energy"].double().numpy()
    values, counts = np.unique(energy, return_counts=True)
    np.testing.assert_array_equal(values, DS1_ENERGIES)  # log-uniform draws were never one of them
    assert counts.min() > 150  # all fifteen, about equally often (200 each)


def test_dataset1_prior_fitted_on_training_energies_survives_saving(tmp_path, registry):
    from hepzoo.hub.local import load_pretrained

    model = _ds1_model()
    model.prior.fit(np.array([256.0] * 30 + [65536.0] * 10))
    again = load_pretrained(model.save_pretrained(tmp_path / "m"))
    energy = again.prior.sample(4000, torch.Generator().manual_seed(1))["energy"].numpy()
    assert set(np.unique(energy)) == {256.0, 65536.0}
    assert 0.72 < (energy == 256.0).mean() < 0.78
    given = again.prior.sample(2, torch.Generator().manual_seed(1), {"energy": 5000.0})["energy"]
    assert given.tolist() == [5000.0, 5000.0]


def test_dataset1_prior_refuses_unusable_training_energies():
    from hepzoo.errors import HepzooError

    with pytest.raises(HepzooError, match="energies"):
        _ds1_model().prior.fit(np.array([256.0, np.nan]))


def test_dataset2_energies_stay_log_uniform(make_model):
    energy = make_model().prior.sample(4000, torch.Generator().manual_seed(0))["energy"].double().numpy()
    u = np.log(energy / 1e3) / np.log(1e3)
    assert len(np.unique(energy)) > 3900 and abs(u.mean() - 0.5) < 0.02 and abs(u.std() - 12 ** -0.5) < 0.02
