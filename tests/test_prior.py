"""EmpiricalPrior: KDE draws, integer columns, conditional draws independent of the chunk size, its bandwidth."""

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


def _peaked(n=4000, seed=0):
    """A narrow peak (width 2) beside a broad continuum (width 50): Scott's rule sees only the total spread."""
    g = torch.Generator().manual_seed(seed)
    peak = 175 + 2 * torch.randn(n // 2, generator=g)
    broad = 120 + 50 * torch.randn(n // 2, generator=g)
    return torch.cat([peak, broad])[:, None]


@pytest.mark.parametrize("discrete", ["exact", "kde-round"])
@pytest.mark.parametrize("given", [{}, {"mass": 170.0}, {"n_particles": 60.0}])
def test_bandwidth_zero_draws_training_rows(discrete, given):
    g = torch.Generator().manual_seed(4)
    mass = _peaked(2000)[:, 0]
    n = (mass / 3 + 5 * torch.randn(2000, generator=g)).round().clamp_min(1)
    prior = EmpiricalPrior(("mass", "n_particles"), torch.stack([mass, n], 1), integer=("n_particles",),
                           discrete=discrete, bandwidth=0.0)
    out = prior.sample(500, torch.Generator().manual_seed(1), given=given)
    assert not prior.chol.any()
    free = [i for i, c in enumerate(prior.columns) if c not in given]
    drawn = torch.stack([out[prior.columns[i]] for i in free], 1)
    rows = prior.data[:, free]
    assert all((rows == d).all(1).any() for d in drawn)  # the free columns of each draw are one row's


def test_bandwidth_scales_scotts_rule_and_keeps_a_narrow_peak():
    data = _peaked()
    scott = EmpiricalPrior(("mass",), data)
    half = EmpiricalPrior(("mass",), data, bandwidth=0.5)
    assert half.chol[0, 0].item() == pytest.approx(0.5 * scott.chol[0, 0].item(), rel=1e-6)
    in_peak = {}
    for name, prior in {"scott": scott, "rows": EmpiricalPrior(("mass",), data, bandwidth=0.0)}.items():
        out = prior.sample(20_000, torch.Generator().manual_seed(2))["mass"]
        in_peak[name] = ((out - 175).abs() < 2).float().mean().item()
    truth = ((data[:, 0] - 175).abs() < 2).float().mean().item()
    assert in_peak["rows"] == pytest.approx(truth, abs=0.02)
    assert in_peak["scott"] < 0.75 * truth  # Scott's jitter (~8 here) smears the peak


def test_the_fitted_jitter_is_state_so_a_loaded_prior_draws_as_it_was_fitted():
    data = _peaked()
    fitted = EmpiricalPrior(("mass",), data)
    loaded = EmpiricalPrior(("mass",), bandwidth=0.0, max_rows=len(data))
    loaded.load_state_dict(fitted.state_dict())
    a = fitted.sample(100, torch.Generator().manual_seed(3))["mass"]
    b = loaded.sample(100, torch.Generator().manual_seed(3))["mass"]
    assert torch.equal(a, b)


@pytest.mark.parametrize("bandwidth", [-0.1, float("nan"), float("inf"), 1e40, True, "1", None])
def test_bad_bandwidth_is_one_line(bandwidth):
    with pytest.raises(ConfigError, match=r"bandwidth must be a number in \[0, 1000\]") as info:
        EmpiricalPrior(("mass",), bandwidth=bandwidth)
    assert "\n" not in str(info.value)
