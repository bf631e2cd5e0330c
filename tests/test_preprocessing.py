"""Standardizer: fitted on real entries only, invertible, state in the state dict."""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import InvalidDataError
from hepzoo.preprocessing import Standardizer


def test_fit_ignores_padding_and_inverts():
    x = torch.randn(50, 10, 3) * torch.tensor([1.0, 2.0, 3.0]) + torch.tensor([0.5, -1.0, 2.0])
    mask = torch.rand(50, 10) > 0.3
    x[~mask] = 0.0
    s = Standardizer(3, scale=5.0).fit(x, mask)
    torch.testing.assert_close(s.mean, x[mask].mean(0), rtol=1e-5, atol=1e-5)
    z = s(x[mask])
    torch.testing.assert_close(z.std(0), torch.full((3,), 5.0), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(s.inverse(z), x[mask], rtol=1e-5, atol=1e-5)
    assert set(s.state_dict()) == {"mean", "std"}


def test_bad_input():
    with pytest.raises(InvalidDataError, match="features"):
        Standardizer(3).fit(torch.zeros(10, 2))
    with pytest.raises(InvalidDataError, match="at least 2"):
        Standardizer(2).fit(torch.zeros(1, 2))
