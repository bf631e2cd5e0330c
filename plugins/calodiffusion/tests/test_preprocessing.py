"""The published shower map (logit-norm) and energy condition, and their inverse with the energy cut."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo_calodiffusion.config import ShowerScaling
from hepzoo_calodiffusion.preprocessing import ShowerPreprocessing


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_forward_is_the_published_formula():
    pre = ShowerPreprocessing(ShowerScaling())
    showers = torch.tensor([[0.0, 5.0, 4000.0]], dtype=torch.float64)  # MeV, E_inc = 10 GeV
    x = pre(showers, torch.tensor([10_000.0]))
    alpha, expected = 1e-6, []
    for e in (0.0, 5.0, 4000.0):
        u = e / (2.0 * 10_000.0)  # MAXDEP = 2 for dataset 2
        expected.append((_logit(alpha + (1 - 2 * alpha) * u) + 12.8564) / 1.9123)
    np.testing.assert_allclose(x[0].numpy(), expected, rtol=1e-6)


def test_round_trip_is_exact_above_the_cut(make_showers):
    showers = make_showers(16, seed=3)
    pre = ShowerPreprocessing(ShowerScaling())
    x64 = torch.as_tensor(showers.x, dtype=torch.float64)
    energy = torch.as_tensor(showers.cond["energy"])
    back = pre.inverse(pre(x64, energy), energy).numpy()
    assert (back[showers.x == 0] == 0).all()  # empty voxels come back empty (below the cut)
    np.testing.assert_allclose(back, showers.x, rtol=1e-6, atol=0)
    # in float32, as the network sees it, the round trip still holds to float precision
    back32 = pre.inverse(pre(x64, energy).float(), energy).numpy()
    np.testing.assert_allclose(back32, showers.x, rtol=1e-4, atol=0)


def test_inverse_applies_the_energy_cut():
    pre = ShowerPreprocessing(ShowerScaling())
    energy = torch.tensor([1000.0])
    wanted = torch.tensor([[0.0, 0.0, 0.015, 0.0152, 3.0]], dtype=torch.float64)  # MeV
    x = (torch.logit(1e-6 + (1 - 2e-6) * wanted / 2000.0) + 12.8564) / 1.9123
    x[0, 0] = -20.0  # a generated value below logit(alpha): a negative energy after the inverse
    out = pre.inverse(x, energy)[0]
    assert out[0] == 0 and out[1] == 0 and out[2] == 0  # negative, empty and 15.0 keV < 15.1 keV: cut
    assert out[3].item() == pytest.approx(0.0152, rel=1e-5) and out[4].item() == pytest.approx(3.0, rel=1e-5)


def test_energy_condition_is_the_scaled_log():
    pre = ShowerPreprocessing(ShowerScaling())
    cond = pre.energy_condition(torch.tensor([1e3, 1e4, 1e6], dtype=torch.float64))
    assert cond.shape == (3, 1)
    np.testing.assert_allclose(cond[:, 0].numpy(), [0.0, 1 / 3, 1.0], atol=1e-7)


def test_bad_showers_and_settings_are_one_clear_error():
    pre = ShowerPreprocessing(ShowerScaling())
    with pytest.raises(InvalidDataError, match="MeV"):
        pre(torch.tensor([[5.0, 3000.0]]), torch.tensor([1000.0]))  # > 2 x E_inc: E_inc given in GeV?
    with pytest.raises(InvalidDataError, match="negative"):
        pre(torch.tensor([[-1.0, 3.0]]), torch.tensor([1000.0]))
    with pytest.raises(ConfigError, match="e_min"):
        ShowerScaling(e_min=10.0, e_max=1.0)
    with pytest.raises(ConfigError, match="alpha"):
        ShowerScaling(alpha=0.7)
