"""Cosine encodings of a noise level or time: values, spacing, precision and bad arguments."""

from __future__ import annotations

import math

import pytest
import torch

from hepzoo.encodings import CosineEncoding
from hepzoo.errors import ConfigError


def test_exponential_frequencies_are_pc_droids():
    enc = CosineEncoding(16, max_value=80.0)
    sigma = torch.tensor([1e-5, 0.3, 80.0])
    out = enc(sigma)
    assert out.shape == (3, 16) and out.dtype == torch.float32
    k = torch.arange(16, dtype=torch.float64)
    expected = torch.cos(sigma.double()[:, None] * k.exp() * math.pi / 80.0)
    torch.testing.assert_close(out.double(), expected, rtol=0, atol=1e-6)


def test_small_noise_levels_stay_distinguishable():
    enc = CosineEncoding(16, max_value=80.0)
    a, b = enc(torch.tensor([1e-5])), enc(torch.tensor([2e-5]))
    assert (a - b).abs().max() > 1e-2  # the highest frequencies resolve sigma ~ 1e-5


def test_linear_spacing():
    out = CosineEncoding(4, max_value=1.0, spacing="linear")(torch.tensor([0.5]))
    torch.testing.assert_close(out[0], torch.cos(0.5 * math.pi * torch.arange(1.0, 5.0)), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [({"n": 0}, "positive"), ({"n": 4, "max_value": 0.0}, "max_value"),
                                           ({"n": 4, "spacing": "log"}, "spacing")])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        CosineEncoding(**kwargs)
