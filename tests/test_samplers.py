"""Known-answer tests of the core samplers on Gaussian data, whose denoiser and velocity are exact."""

from __future__ import annotations

import functools

import pytest
import torch

from hepzoo.errors import ConfigError, IncompatibleSamplerError
from hepzoo.objectives.base import Law
from hepzoo.objectives.schedules import karras_sigmas
from hepzoo.samplers.catalog import OBJECTIVES, SAMPLERS
from hepzoo.samplers.consistency import multistep_consistency
from hepzoo.samplers.ddim import ddim
from hepzoo.samplers.ddpm import ddpm
from hepzoo.samplers.dpmpp import dpmpp_2m
from hepzoo.samplers.euler import euler
from hepzoo.samplers.euler_maruyama import euler_maruyama
from hepzoo.samplers.heun import heun
from hepzoo.samplers.midpoint import midpoint
from hepzoo.samplers.one_shot import one_shot
from hepzoo.samplers.rk4 import rk4

MU = torch.tensor([1.0, -0.5], dtype=torch.float64)
SIGMA = torch.tensor([[1.0, 0.6], [0.6, 0.5]], dtype=torch.float64)
SIGMA_MAX = 80.0


class Gaussian:
    """N(mu, Sigma) in the last dimension: exact denoiser, velocity and ODE solution maps."""

    def __init__(self, mu: torch.Tensor = MU, cov: torch.Tensor = SIGMA) -> None:
        self.mu, self.cov = mu, cov
        self.lam, self.u = torch.linalg.eigh(cov)

    def _eig(self, x, scale):  # mu + U diag(scale) U^T (x - mu), scale broadcast over [B]
        y = (x - self.mu) @ self.u
        return self.mu + (scale * y) @ self.u.T

    def denoiser(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        s = sigma.reshape((-1,) + (1,) * (x.dim() - 1))
        return self._eig(x, self.lam / (self.lam + s**2))

    def velocity(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t = t.reshape((-1,) + (1,) * (x.dim() - 1))
        y = (x - t * self.mu) @ self.u
        gain = (t * self.lam - (1 - t)) / ((1 - t) ** 2 + t**2 * self.lam)
        return self.mu + (gain * y) @ self.u.T

    def consistency(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        s = sigma.reshape((-1,) + (1,) * (x.dim() - 1))
        return self._eig(x, (self.lam / (self.lam + s**2)).sqrt())

    def exact_denoiser_ode(self, x: torch.Tensor, sigma_max: float) -> torch.Tensor:
        return self._eig(x, (self.lam / (self.lam + sigma_max**2)).sqrt())

    def exact_velocity_ode(self, x0: torch.Tensor) -> torch.Tensor:
        return self.mu + (self.lam.sqrt() * (x0 @ self.u)) @ self.u.T


GAUSS = Gaussian()


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sigma_grid(steps: int) -> torch.Tensor:
    return karras_sigmas(steps, 0.002, SIGMA_MAX, 7.0, dtype=torch.float64)


def time_grid(steps: int) -> torch.Tensor:
    return torch.linspace(0, 1, steps + 1, dtype=torch.float64)


def noise(n: int, seed: int = 1, shape: tuple[int, ...] = (2,)) -> torch.Tensor:
    return torch.randn((n, *shape), generator=gen(seed), dtype=torch.float64)


def moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.reshape(-1, x.shape[-1])
    return x.mean(0), torch.cov(x.T)


DENOISER_ODE = {
    "euler": euler,
    "heun": heun,
    "midpoint": midpoint,
    "rk4": rk4,
    "dpmpp-2m": dpmpp_2m,
    "ddim": ddim,
}
VELOCITY_ODE = {"euler": euler, "heun": heun, "midpoint": midpoint, "rk4": rk4}
STOCHASTIC = {
    "ddpm": ddpm,
    "ddim-eta": functools.partial(ddim, eta=0.5),
    "euler-maruyama": euler_maruyama,
    "heun-churn": functools.partial(heun, s_churn=20.0, s_tmin=0.01, s_tmax=50.0, s_noise=1.0),
}


def denoiser_error(sampler, steps: int) -> float:
    x = SIGMA_MAX * noise(64)
    out = sampler(GAUSS.denoiser, x, sigma_grid(steps), generator=gen())
    return (out - GAUSS.exact_denoiser_ode(x, SIGMA_MAX)).abs().max().item()


def velocity_error(sampler, steps: int) -> float:
    x = noise(64)
    out = sampler(GAUSS.velocity, x, time_grid(steps), generator=gen())
    return (out - GAUSS.exact_velocity_ode(x)).abs().max().item()


@pytest.mark.parametrize("name", list(DENOISER_ODE))
def test_denoiser_ode_solvers_converge_to_the_exact_flow(name):
    errors = [denoiser_error(DENOISER_ODE[name], steps) for steps in (8, 32, 128)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < (0.06 if name in ("euler", "ddim") else 0.005)


@pytest.mark.parametrize("name", list(VELOCITY_ODE))
def test_velocity_ode_solvers_converge_to_the_exact_flow(name):
    errors = [velocity_error(VELOCITY_ODE[name], steps) for steps in (4, 16, 64)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < (0.06 if name == "euler" else 0.001)


def test_higher_order_solvers_beat_euler():
    euler_d = denoiser_error(euler, 32)
    for fn in (heun, dpmpp_2m, rk4, midpoint):
        assert denoiser_error(fn, 32) < 0.3 * euler_d, fn.__name__
    euler_v = velocity_error(euler, 8)
    for fn in (heun, midpoint):
        assert velocity_error(fn, 8) < 0.3 * euler_v, fn.__name__
    assert velocity_error(rk4, 8) < 0.01 * euler_v
    # second order: 4x the steps shrink Heun's error by ~16x, Euler's by ~4x
    assert velocity_error(heun, 32) < velocity_error(heun, 8) / 8
    assert velocity_error(euler, 32) > velocity_error(euler, 8) / 6


STEPS_FOR_ACCURACY = {"euler": 200, "ddim": 200, "ddpm": 400, "ddim-eta": 400, "euler-maruyama": 400}


def assert_gaussian(x: torch.Tensor, atol_mean: float = 0.08, atol_cov: float = 0.1) -> None:
    mean, cov = moments(x)
    assert torch.allclose(mean, MU, atol=atol_mean), mean
    assert torch.allclose(cov, SIGMA, atol=atol_cov), cov


@pytest.mark.parametrize("name", list(DENOISER_ODE) + list(STOCHASTIC))
def test_denoiser_samplers_reproduce_the_gaussian(name):
    """First-order solvers need many of Karras' rho=7 steps; second-order ones converge in ~40."""
    sampler = {**DENOISER_ODE, **STOCHASTIC}[name]
    x = SIGMA_MAX * noise(4000, seed=2)
    steps = STEPS_FOR_ACCURACY.get(name, 60)
    assert_gaussian(sampler(GAUSS.denoiser, x, sigma_grid(steps), generator=gen(3)))


@pytest.mark.parametrize("name", list(VELOCITY_ODE))
def test_velocity_samplers_reproduce_the_gaussian(name):
    out = VELOCITY_ODE[name](GAUSS.velocity, noise(4000, seed=2), time_grid(40), generator=gen())
    assert_gaussian(out)


@pytest.mark.parametrize("steps", [1, 3])
def test_multistep_consistency_with_the_exact_consistency_function(steps):
    x = SIGMA_MAX * noise(4000, seed=2)
    grid = torch.tensor([SIGMA_MAX, 2.0, 0.5, 0.0][:steps] + [0.0], dtype=torch.float64)
    assert_gaussian(multistep_consistency(GAUSS.consistency, x, grid, generator=gen()))


def test_one_shot_runs_the_generator_once():
    calls = []
    chol = torch.linalg.cholesky(SIGMA)

    def generator_law(z, t):
        calls.append(t)
        return MU + z @ chol.T

    out = one_shot(generator_law, noise(4000), torch.tensor([0.0, 1.0]), generator=gen())
    assert len(calls) == 1 and calls[0].shape == (4000,)
    assert_gaussian(out)


ALL = {**DENOISER_ODE, **STOCHASTIC, "consistency": multistep_consistency}


@pytest.mark.parametrize("name", list(ALL))
def test_same_seed_same_samples(name):
    x = SIGMA_MAX * noise(16)
    a = ALL[name](GAUSS.denoiser, x, sigma_grid(10), generator=gen(7))
    b = ALL[name](GAUSS.denoiser, x.clone(), sigma_grid(10), generator=gen(7))
    c = ALL[name](GAUSS.denoiser, x.clone(), sigma_grid(10), generator=gen(8))
    assert torch.equal(a, b)
    deterministic = name in DENOISER_ODE
    assert torch.equal(a, c) == deterministic


def point_cloud(n: int = 600, particles: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    counts = torch.arange(n) % particles + 1
    mask = torch.arange(particles)[None, :] < counts[:, None]
    return noise(n, seed=4, shape=(particles, 2)) * mask[..., None], mask


@pytest.mark.parametrize("name", list(ALL))
def test_masks_keep_padding_exactly_zero_for_denoisers(name):
    x, mask = point_cloud()
    steps = STEPS_FOR_ACCURACY.get(name, 40)
    out = ALL[name](GAUSS.denoiser, SIGMA_MAX * x, sigma_grid(steps), generator=gen(), mask=mask)
    assert out.shape == x.shape
    assert torch.all(out[~mask] == 0)
    if name != "consistency":  # the exact denoiser is not a consistency function
        mean, cov = moments(out[mask])
        assert torch.allclose(mean, MU, atol=0.1) and torch.allclose(cov, SIGMA, atol=0.15)


@pytest.mark.parametrize("name", list(VELOCITY_ODE) + ["one-shot"])
def test_masks_keep_padding_exactly_zero_for_velocities_and_generators(name):
    x, mask = point_cloud()
    if name == "one-shot":
        out = one_shot(lambda z, t: z + 3.0, x, torch.tensor([0.0, 1.0]), generator=gen(), mask=mask)
        assert torch.allclose(out[mask], x[mask] + 3.0)
    else:
        out = VELOCITY_ODE[name](GAUSS.velocity, x, time_grid(20), generator=gen(), mask=mask)
        mean, cov = moments(out[mask])
        assert torch.allclose(mean, MU, atol=0.1) and torch.allclose(cov, SIGMA, atol=0.15)
    assert torch.all(out[~mask] == 0)


def test_float32_inputs_stay_float32():
    x = (SIGMA_MAX * noise(8)).float()
    law = lambda x, s: GAUSS.denoiser(x.double(), s.double()).float()  # noqa: E731
    for fn in (euler, heun, ddpm, dpmpp_2m, euler_maruyama):
        out = fn(law, x, karras_sigmas(5), generator=gen())
        assert out.dtype == torch.float32 and torch.isfinite(out).all()


def test_single_law_samplers_reject_a_velocity_grid():
    for fn in (ddim, ddpm, euler_maruyama, dpmpp_2m, multistep_consistency):
        with pytest.raises(ConfigError, match="denoiser"):
            fn(GAUSS.velocity, noise(4), time_grid(4), generator=gen())
    with pytest.raises(ConfigError, match="velocity"):
        heun(GAUSS.velocity, noise(4), time_grid(4), generator=gen(), s_churn=1.0)
    with pytest.raises(ConfigError, match="at least 2"):
        euler(GAUSS.denoiser, noise(4), torch.tensor([1.0]), generator=gen())
    with pytest.raises(ConfigError, match="neither"):
        euler(GAUSS.denoiser, noise(4), torch.tensor([1.0, 0.5, 0.7, 0.0]), generator=gen())


SPECS = {spec.name: spec for spec in SAMPLERS}


def test_catalog_names_targets_and_laws():
    expected = {
        "euler", "heun", "ddim", "ddpm", "euler-maruyama", "dpmpp-2m", "midpoint", "rk4", "one-shot",
        "multistep-consistency",
    }  # fmt: skip
    assert set(SPECS) == expected and len(SPECS) == len(SAMPLERS)
    for spec in SAMPLERS:
        assert callable(spec.load()) and spec.load().__doc__ and spec.laws
    for name in ("euler", "heun", "midpoint", "rk4"):
        assert set(SPECS[name].laws) == {Law.DENOISER, Law.VELOCITY}
    assert {name for name, _, _ in OBJECTIVES} == {"edm", "ddpm", "flow-matching", "gan", "consistency"}
    from hepzoo.registry import import_target

    for _, target, law in OBJECTIVES:
        assert import_target(target).law is law


@pytest.mark.parametrize(
    "name, law",
    [
        ("one-shot", Law.DENOISER),
        ("ddim", Law.VELOCITY),
        ("heun", Law.GENERATOR),
        ("dpmpp-2m", Law.GENERATOR),
    ],
)
def test_incompatible_law_is_refused(name, law):
    with pytest.raises(IncompatibleSamplerError, match=name):
        SPECS[name].check(law)
    SPECS[name].check(SPECS[name].laws[0])


class ExactPreconditioned(torch.nn.Module):
    """The backbone F that makes EDM's preconditioned D(x; sigma) the exact Gaussian denoiser."""

    def __init__(self, edm) -> None:
        super().__init__()
        self.edm = edm

    def forward(self, x_in, c_noise, cond=None, mask=None):
        sigma = (4 * c_noise).exp()
        c_skip, c_out, c_in, _ = self.edm.precondition(sigma)
        view = (-1,) + (1,) * (x_in.dim() - 1)
        x = x_in.double() / c_in.view(view).double()
        target = GAUSS.denoiser(x, sigma.double())
        return ((target - c_skip.view(view) * x) / c_out.view(view)).float()


class ExactVelocity(torch.nn.Module):
    def forward(self, x, t, cond=None, mask=None):
        return GAUSS.velocity(x.double(), t.double()).float()


@pytest.mark.parametrize("kind", ["edm-heun", "edm-dpmpp-2m", "flow-matching-midpoint"])
def test_objective_noise_schedule_law_and_sampler_fit_together(kind):
    """initial_noise -> law_fn -> schedule -> sampler, as Model.generate_batch runs them (float32)."""
    from hepzoo.objectives.edm import EDMDenoiser
    from hepzoo.objectives.flow_matching import FlowMatching

    if kind.startswith("edm"):
        objective = EDMDenoiser(torch.nn.Identity())
        objective.backbone = ExactPreconditioned(objective)
        spec = SPECS[kind.removeprefix("edm-")]
    else:
        objective, spec = FlowMatching(ExactVelocity()), SPECS["midpoint"]
    spec.check(objective.law)
    g = gen(11)
    x = objective.initial_noise((4000, 2), g)
    out = spec.load()(objective.law_fn(), x, objective.schedule(30), generator=g)
    assert out.dtype == torch.float32
    assert_gaussian(out.double())
