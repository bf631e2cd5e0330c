"""The core's samplers on a PC-Droid model: each runs, and more steps converge to the same jets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo_pc_droid.model import PcDroidCAE

SAMPLERS = [
    ("heun", {}),
    ("heun", {"s_churn": 40.0, "s_tmin": 0.05, "s_tmax": 50.0, "s_noise": 1.003}),  # the authors' stochastic heun
    ("euler", {}),
    ("dpmpp-2m", {}),
    ("euler-maruyama", {}),
    ("ddim", {}),
    ("ddim", {"eta": 1.0}),
]


@pytest.fixture
def model(jets, make_model) -> PcDroidCAE:
    model = make_model(PcDroidCAE, jets, "cross")
    with torch.no_grad():  # a gentle network, so the ODE is smooth as a trained one's
        model.objective.backbone.head.out.weight.mul_(0.1)
    return model


@pytest.mark.parametrize("sampler, options", SAMPLERS)
def test_each_sampler_runs(model, registry, sampler, options):
    out = model.sample(12, seed=3, sampler=sampler, steps=6, **options)
    assert np.isfinite(out.x).all()
    np.testing.assert_array_equal(out.mask.sum(1), out.cond["n_particles"])
    assert out.meta["sampler"] == sampler and out.meta["steps"] == 6
    assert out.meta.get("sampler_options", {}) == options


def test_default_is_heun_with_50_karras_steps(model, registry):
    out = model.sample(2, seed=0)
    assert (out.meta["sampler"], out.meta["steps"]) == ("heun", 50)
    grid = model.objective.schedule(50)
    assert len(grid) == 51 and grid[0] == pytest.approx(80.0) and grid[-2] == pytest.approx(1e-5) and grid[-1] == 0


@pytest.mark.parametrize("sampler", ["heun", "euler", "dpmpp-2m", "ddim"])
def test_more_steps_converge(model, jets, registry, sampler):
    """The deterministic solvers approach a fine heun solution of the same ODE (same noise) as steps grow."""
    fixed = {"n_particles": int(jets.cond["n_particles"][0]), "type": int(jets.cond["type"][0])}
    reference = model.sample(8, seed=5, steps=128, cond=fixed).x

    def error(steps):
        return np.abs(model.sample(8, seed=5, sampler=sampler, steps=steps, cond=fixed).x - reference).mean()

    errors = [error(steps) for steps in (4, 16, 64)]
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < 0.2 * errors[0], errors
