"""Consistency models: the boundary condition, the teacher's ODE step, distillation from an analytic teacher."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from hepzoo.errors import ConfigError, IncompatibleSamplerError
from hepzoo.laws import Law
from hepzoo.objectives import ConsistencyDenoiser, EDMDenoiser, pf_ode_step
from hepzoo.samplers.catalog import SAMPLERS
from hepzoo.samplers.consistency import consistency_grid, multistep_consistency
from hepzoo.training import ConsistencyDistillationStep
from hepzoo.training.steps import MODEL, StepContext

MEAN, WIDTH = 2.0, 0.5  # the analytic teacher's data: N(MEAN, WIDTH^2) in every coordinate
SPECS = {s.name: s for s in SAMPLERS}


class GaussianTeacher(nn.Module):
    """The exact EDM denoiser of N(MEAN, WIDTH^2) data: ``E[x0 | x] = MEAN + WIDTH^2 / (WIDTH^2 + sigma^2) (x - MEAN)``."""

    def denoise(self, x, sigma, cond=None, mask=None):
        s2 = torch.as_tensor(sigma, dtype=x.dtype).reshape(-1, *([1] * (x.dim() - 1))) ** 2
        return MEAN + WIDTH**2 / (WIDTH**2 + s2) * (x - MEAN)


def exact_flow(x, sigma, sigma_next):
    """The probability-flow ODE of Gaussian data, solved exactly from ``sigma`` to ``sigma_next``."""
    return MEAN + (x - MEAN) * math.sqrt((WIDTH**2 + sigma_next**2) / (WIDTH**2 + sigma**2))


class PointwiseNet(nn.Module):
    """``F(x, c_noise)``: a small MLP applied to each coordinate with the noise level."""

    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(2, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(), nn.Linear(64, 1))

    def forward(self, x, t, cond=None, mask=None):
        return self.f(torch.stack([x, t.view(-1, 1).expand_as(x)], -1)).squeeze(-1)


def student(sigma_max: float = 10.0) -> ConsistencyDenoiser:
    torch.manual_seed(0)
    return ConsistencyDenoiser(PointwiseNet(), sigma_min=0.002, sigma_max=sigma_max, c_noise="log")


def test_boundary_condition_is_exact():
    model = student()
    x = torch.randn(64, 5, generator=torch.Generator().manual_seed(0)) * 3
    assert torch.equal(model.denoise(x, torch.tensor(model.sigma_min)), x)
    c_skip, c_out, _, _ = model.precondition(torch.tensor([model.sigma_min]))
    assert c_skip.item() == 1.0 and c_out.item() == 0.0
    assert not torch.allclose(model.denoise(x, torch.tensor(1.0)), x)


def test_it_keeps_edm_inputs_and_differs_only_in_the_skip_and_output_scales():
    cd, edm = student(), EDMDenoiser(PointwiseNet(), sigma_min=0.002, sigma_max=10.0, c_noise="log")
    sigma = torch.tensor([0.01, 0.5, 8.0])
    cd_c, edm_c = cd.precondition(sigma), edm.precondition(sigma)
    assert torch.equal(cd_c[2], edm_c[2]) and torch.equal(cd_c[3], edm_c[3])
    torch.testing.assert_close(cd_c[0][-1], edm_c[0][-1], rtol=1e-3, atol=0)  # the shift fades at large sigma
    assert cd.law is Law.CONSISTENCY


def test_it_has_no_loss_of_its_own():
    with pytest.raises(ConfigError, match="distillation"):
        student().loss(torch.zeros(2, 3))


def test_only_multistep_consistency_samples_a_consistency_law():
    SPECS["multistep-consistency"].check(Law.CONSISTENCY)
    for name in ("heun", "euler", "dpmpp-2m", "ddim", "one-shot"):
        with pytest.raises(IncompatibleSamplerError, match="consistency"):
            SPECS[name].check(Law.CONSISTENCY)


@pytest.mark.parametrize("method, tolerance", [("euler", 5e-3), ("heun", 5e-4), ("dpm-2", 5e-4)])
def test_teacher_ode_step_follows_the_exact_flow(method, tolerance):
    x = MEAN + 3.0 * torch.randn(256, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    sigma, sigma_next = torch.full((256,), 3.0, dtype=torch.float64), torch.full((256,), 2.7, dtype=torch.float64)
    stepped = pf_ode_step(GaussianTeacher().denoise, x, sigma, sigma_next, method)
    error = (stepped - exact_flow(x, 3.0, 2.7)).abs().max().item()
    assert error < tolerance
    if method != "euler":  # second order beats Euler by a wide margin
        euler = pf_ode_step(GaussianTeacher().denoise, x, sigma, sigma_next, "euler")
        assert error < 0.2 * (euler - exact_flow(x, 3.0, 2.7)).abs().max().item()


def test_unknown_ode_step_is_refused():
    with pytest.raises(ConfigError, match="dpm-2"):
        pf_ode_step(GaussianTeacher().denoise, torch.zeros(1, 2), torch.ones(1), torch.ones(1) / 2, "rk9")


def _one_step_moments(model, n=4000, steps=1):
    generator = torch.Generator().manual_seed(7)
    noise = model.sigma_max * torch.randn(n, 2, generator=generator)
    with torch.no_grad():
        out = multistep_consistency(model.law_fn(), noise, consistency_grid(model, steps), generator=generator)
    return out.mean().item(), out.std().item()


def _distil(model, steps: int, mu: float = 0.9):
    step = ConsistencyDistillationStep(model, GaussianTeacher(), steps=8, mu=mu, ode_step="dpm-2")
    ctx = StepContext({MODEL: model}, {MODEL: torch.optim.Adam(model.parameters(), lr=3e-3)}, torch.device("cpu"),
                      torch.Generator().manual_seed(1))
    data = torch.Generator().manual_seed(2)
    for _ in range(steps):
        step((MEAN + WIDTH * torch.randn(256, 2, generator=data), None, None), ctx)
    return step


@pytest.mark.slow
def test_distilled_student_samples_the_teachers_distribution_in_one_step():
    """An untrained student collapses to ~0; 150 distillation steps bring its one-step jets to N(2, 0.5^2)."""
    model = student()
    mean0, std0 = _one_step_moments(model)
    assert abs(mean0 - MEAN) > 1.5
    _distil(model, 150)
    mean, std = _one_step_moments(model)
    assert abs(mean - MEAN) < 0.2 and abs(std - WIDTH) < 0.1, (mean, std)
    mean3, std3 = _one_step_moments(model, steps=3)
    assert abs(mean3 - MEAN) < 0.3 and abs(std3 - WIDTH) < 0.15, (mean3, std3)


def test_target_network_is_an_ema_of_the_student_and_round_trips():
    model = student()
    step = ConsistencyDistillationStep(model, GaussianTeacher(), steps=8, mu=0.75)
    before = {k: v.clone() for k, v in step.target.state_dict().items()}
    ctx = StepContext({MODEL: model}, {MODEL: torch.optim.Adam(model.parameters(), lr=1e-2)}, torch.device("cpu"),
                      torch.Generator().manual_seed(1))
    step((MEAN + torch.randn(32, 2), None, None), ctx)
    live = model.state_dict()
    for k, v in step.target.state_dict().items():
        torch.testing.assert_close(v, 0.75 * before[k] + 0.25 * live[k])
    assert not all(torch.equal(v, before[k]) for k, v in step.target.state_dict().items())
    saved = step.state_tensors()
    other = ConsistencyDistillationStep(student(), GaussianTeacher(), steps=8, mu=0.75)
    other.load_state_tensors(saved)
    assert all(torch.equal(v, saved[f"target.{k}"]) for k, v in other.target.state_dict().items())
    assert not any(p.requires_grad for p in step.target.parameters())


@pytest.mark.parametrize("kwargs, match", [({"mu": 1.0}, "mu"), ({"ode_step": "rk9"}, "ODE step"),
                                           ({"steps": 1}, "N >= 2")])
def test_bad_distillation_settings_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ConsistencyDistillationStep(student(), GaussianTeacher(), **kwargs)


@pytest.mark.parametrize("sigma_eps", [-1.0, math.nan, math.inf, 100.0])
def test_a_sigma_eps_that_would_crash_or_skip_steps_is_refused(sigma_eps):
    model = student()
    noise = model.sigma_max * torch.randn(4, 2, generator=torch.Generator().manual_seed(1))
    with pytest.raises(ConfigError, match="sigma_eps"):
        multistep_consistency(model.law_fn(), noise, consistency_grid(model, 3), generator=torch.Generator(),
                              sigma_eps=sigma_eps)
