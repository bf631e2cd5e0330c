"""EmpiricalPrior: KDE draws, integer columns, conditional draws independent of the chunk size."""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.prior import EmpiricalPrior


@pytest.fixture
def prior():
    g = torch.Generator().manual_seed(0)
    pt = 500 + 500 * torch.rand(2000, generator=g)
    n = (pt / 10 + 5 * torch.randn(2000, generator=g)).round()
    return EmpiricalPrior(("pt", "n_particles"), torch.stack([pt, n], 1), integer=("n_particles",))


def test_unconditional_draws_follow_the_data(prior):
    out = prior.sample(20_000, torch.Generator().manual_seed(1))
    assert out["pt"].mean().item() == pytest.approx(prior.data[:, 0].mean().item(), rel=0.02)
    assert torch.equal(out["n_particles"], out["n_particles"].round())
    assert out["n_particles"].min() >= prior.low[1] and out["n_particles"].max() <= prior.high[1]


def test_conditional_draws_use_nearby_rows_and_do_not_depend_on_chunking(prior):
    prior.chunk = 10**9
    a = prior.sample(500, torch.Generator().manual_seed(2), given={"pt": 900.0})
    prior.chunk = 7
    b = prior.sample(500, torch.Generator().manual_seed(2), given={"pt": 900.0})
    assert torch.equal(a["n_particles"], b["n_particles"])
    assert (a["pt"] == 900.0).all()
    assert a["n_particles"].mean().item() == pytest.approx(90, abs=4)


def test_unknown_condition(prior):
    with pytest.raises(ConfigError, match="conditioned on"):
        prior.sample(2, torch.Generator(), given={"mass": 1.0})
