"""The shared objectives: EDM, DDPM, flow matching and the GAN losses, on tiny Gaussian problems."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hepzoo.errors import ConfigError, HepzooError
from hepzoo.objectives.base import Law
from hepzoo.objectives.ddpm import DDPMNoisePredictor
from hepzoo.objectives.edm import EDMDenoiser
from hepzoo.objectives.flow_matching import FlowMatching, ot_pairing
from hepzoo.objectives.gan import (
    GeneratorObjective,
    gradient_penalty,
    lsgan_critic_loss,
    lsgan_generator_loss,
    wgan_critic_loss,
    wgan_generator_loss,
)
from hepzoo.objectives.schedules import (
    alpha_bar_to_sigma,
    cosine_betas,
    discrete_cosine_alpha_bar,
    karras_sigmas,
    sigma_to_index,
)

MU = torch.tensor([1.0, -0.5])
CHOL = torch.tensor([[1.0, 0.0], [0.6, 0.37]])


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def gaussian_data(n: int, seed: int = 0) -> torch.Tensor:
    return MU + torch.randn(n, 2, generator=gen(seed)) @ CHOL.T


class MLP(nn.Module):
    """``backbone(x, t, cond, mask)`` on the last axis, with ``t`` appended to every row."""

    def __init__(self, features: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features + 1, hidden), nn.SiLU(), nn.Linear(hidden, features))

    def forward(self, x, t, cond=None, mask=None):
        tt = t.reshape((-1,) + (1,) * (x.dim() - 1)).expand(*x.shape[:-1], 1)
        return self.net(torch.cat([x, tt.to(x.dtype)], dim=-1))


class Recorder(nn.Module):
    """Returns a constant and remembers the ``t`` it was given."""

    def __init__(self, value: float = 0.0) -> None:
        super().__init__()
        self.value, self.seen = value, []

    def forward(self, x, t, cond=None, mask=None):
        self.seen.append(t)
        return torch.full_like(x, self.value)


def held_out_loss(objective) -> float:
    with torch.no_grad():
        return objective.loss(gaussian_data(512, seed=10_000), generator=gen(99)).item()


def fit(objective, steps: int = 200, lr: float = 1e-2) -> tuple[float, float]:
    """Held-out loss (fixed data and noise) before and after ``steps`` Adam steps."""
    torch.manual_seed(0)
    for p in objective.parameters():
        nn.init.normal_(p, std=0.3)
    before = held_out_loss(objective)
    opt = torch.optim.Adam(objective.parameters(), lr=lr)
    g = gen(1)
    for step in range(steps):
        loss = objective.loss(gaussian_data(128, seed=step), generator=g)
        assert loss.dim() == 0 and torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return before, held_out_loss(objective)


@pytest.mark.parametrize(
    "make",
    [
        lambda: EDMDenoiser(MLP()),
        lambda: DDPMNoisePredictor(MLP(), timesteps=100, time_input="fraction"),
        lambda: DDPMNoisePredictor(MLP(), timesteps=None),
        lambda: FlowMatching(MLP()),
        lambda: FlowMatching(MLP(), ot=True),
    ],
    ids=["edm", "ddpm", "ddpm-continuous", "fm", "fm-ot"],
)
def test_loss_decreases_fitting_a_tiny_mlp(make):
    first, last = fit(make())
    assert last < 0.8 * first


def test_edm_preconditioning_is_identity_at_zero_noise():
    edm = EDMDenoiser(MLP(), sigma_data=0.5)
    x = torch.randn(8, 2, generator=gen())
    assert torch.allclose(edm.denoise(x, torch.full((8,), 1e-6)), x, atol=1e-5)
    # at large sigma the skip vanishes: D -> sigma_data * F
    big = edm.denoise(x, torch.full((8,), 1e4))
    assert torch.allclose(
        big, 0.5 * edm.backbone(x * 1e-4, torch.full((8,), torch.log(torch.tensor(1e4)) / 4)), atol=1e-3
    )


@pytest.mark.parametrize("c_noise", ["log", "sigma"])
def test_edm_c_noise_choice_reaches_the_backbone(c_noise):
    rec = Recorder()
    EDMDenoiser(rec, c_noise=c_noise).law_fn()(torch.zeros(3, 2), torch.tensor([1.0, 2.0, 80.0]))
    expected = torch.tensor([1.0, 2.0, 80.0])
    assert torch.allclose(rec.seen[0], expected.log() / 4 if c_noise == "log" else expected)
    with pytest.raises(ConfigError, match="c_noise"):
        EDMDenoiser(rec, c_noise="cos")


def test_edm_schedule_and_noise():
    edm = EDMDenoiser(Recorder())
    grid = edm.schedule(5)
    assert grid.shape == (6,) and grid[-1] == 0 and torch.isclose(grid[0], torch.tensor(80.0))
    assert torch.isclose(grid[-2], torch.tensor(0.002)) and torch.all(grid[1:] < grid[:-1])
    assert torch.equal(edm.initial_noise((4, 2), gen(3)), edm.initial_noise((4, 2), gen(3)))
    assert edm.initial_noise((4000, 2), gen(3)).std() == pytest.approx(80.0, rel=0.05)
    assert karras_sigmas(1).tolist() == [80.0, 0.0]


def test_edm_loss_uses_real_particles_only():
    mask = torch.tensor([[True, True, False], [True, False, False]])
    x = torch.randn(2, 3, 2, generator=gen()) * mask[..., None]

    class Garbage(nn.Module):  # huge output on padded entries must not change the loss
        def __init__(self, pad_value):
            super().__init__()
            self.pad_value = pad_value

        def forward(self, x, t, cond, mask):
            return torch.where(mask[..., None], torch.zeros_like(x), torch.full_like(x, self.pad_value))

    a = EDMDenoiser(Garbage(0.0)).loss(x, mask=mask, generator=gen(5))
    b = EDMDenoiser(Garbage(1e6)).loss(x, mask=mask, generator=gen(5))
    assert torch.isfinite(a) and a == b
    out = EDMDenoiser(Garbage(1e6)).law_fn(None, mask)(x, torch.full((2,), 3.0))
    assert torch.all(out[~mask] == 0)


class ExactEps(nn.Module):
    """The exact noise predictor of N(MU, Sigma) data for the 'sigma' time input (VP sigma)."""

    def forward(self, x_vp, vp_sigma, cond=None, mask=None):
        abar = 1 - vp_sigma**2
        sigma = (vp_sigma**2 / abar).sqrt()[:, None]
        x = x_vp / abar.sqrt()[:, None]
        cov = CHOL @ CHOL.T
        gain = cov @ torch.linalg.inv(cov[None] + sigma[..., None] ** 2 * torch.eye(2))
        denoised = MU + torch.einsum("bij,bj->bi", gain, x - MU)
        return (x - denoised) / sigma


def test_ddpm_law_is_the_ve_denoiser():
    ddpm = DDPMNoisePredictor(ExactEps(), timesteps=400, time_input="sigma")
    assert ddpm.law is Law.DENOISER
    x = torch.randn(5, 2, generator=gen()) * 3
    sigma = ddpm.schedule(10)[3].expand(5)
    cov = CHOL @ CHOL.T
    expected = MU + (x - MU) @ torch.linalg.inv(cov + sigma[0] ** 2 * torch.eye(2)).T @ cov.T
    assert torch.allclose(ddpm.law_fn()(x, sigma), expected, atol=1e-4)


def test_ddpm_schedule_and_time_inputs():
    rec = Recorder()
    ddpm = DDPMNoisePredictor(rec, timesteps=400)
    grid = ddpm.schedule(8)
    assert grid.shape == (9,) and grid[-1] == 0 and torch.all(grid[1:] < grid[:-1])
    assert torch.isclose(grid[0], ddpm.sigmas[-1]) and torch.isclose(grid[-2], ddpm.sigmas[0])
    ddpm.law_fn()(torch.zeros(8, 2), grid[:-1])
    assert torch.allclose(rec.seen[-1], torch.linspace(399, 0, 8).round(), atol=1e-3)
    assert torch.allclose(
        sigma_to_index(ddpm.sigmas[[10, 11]].mean(), ddpm.sigmas), torch.tensor(10.5), atol=0.05
    )
    with pytest.raises(ConfigError, match="exceeds"):
        ddpm.schedule(401)
    cont = DDPMNoisePredictor(Recorder(), timesteps=None)
    grid = cont.schedule(4)
    cont.law_fn()(torch.zeros(4, 2), grid[:-1])
    assert torch.allclose(cont.backbone.seen[-1], torch.tensor([1.0, 0.75, 0.5, 0.25]), atol=1e-3)
    x0 = cont.initial_noise((4000, 2), gen(0))
    assert x0.std() == pytest.approx(float((1 + grid[0] ** 2).sqrt()), rel=0.05)
    with pytest.raises(ConfigError, match="time_input"):
        DDPMNoisePredictor(rec, time_input="tau")


def test_ddpm_start_offset_moves_the_grid_start_only():
    base = DDPMNoisePredictor(Recorder(), timesteps=400, time_input="sigma")
    ddpm = DDPMNoisePredictor(Recorder(), timesteps=400, time_input="sigma", start_offset=2)
    grid = ddpm.schedule(398)  # CaloDiffusion: t = 397, 396, ..., 0, then sigma 0
    torch.testing.assert_close(grid[:-1], ddpm.sigmas.flip(0)[2:])
    assert grid[-1] == 0 and torch.isclose(ddpm.schedule(1)[0], ddpm.sigmas[397])
    assert torch.isclose(ddpm.schedule(50)[0], ddpm.sigmas[397]) and torch.isclose(ddpm.schedule(50)[-2], ddpm.sigmas[0])
    # the sampler starts from N(0, I) in VP space at t = 397: sqrt(1 + sigma_397^2) in VE space
    assert ddpm.noise_scale() == pytest.approx(float((1 + ddpm.sigmas[397].double() ** 2).sqrt()), rel=1e-6)
    assert ddpm.noise_scale() < base.noise_scale() / 100
    with pytest.raises(ConfigError, match="398 timesteps.*start offset 2"):
        ddpm.schedule(399)
    # training is untouched: same noise, same loss
    x = torch.randn(16, 2, generator=gen())
    assert base.loss(x, generator=gen(1)) == ddpm.loss(x, generator=gen(1))
    for bad in (-1, 400, 1.5, True):
        with pytest.raises(ConfigError, match="start_offset"):
            DDPMNoisePredictor(Recorder(), timesteps=400, start_offset=bad)
    with pytest.raises(ConfigError, match="start_offset"):
        DDPMNoisePredictor(Recorder(), timesteps=None, start_offset=2)


def test_ddpm_cosine_schedule_matches_calodiffusion(shared_dir):
    from safetensors.torch import load_file

    path = shared_dir / "goldens" / "calodiffusion" / "schedule.safetensors"
    if not path.exists():
        pytest.skip("CaloDiffusion goldens not in ../shared")
    golden = load_file(str(path))
    betas = cosine_betas(400)
    abar = discrete_cosine_alpha_bar(400)
    torch.testing.assert_close(betas, golden["betas"], atol=1e-7, rtol=0)
    torch.testing.assert_close(abar, golden["alphas_cumprod"], atol=1e-7, rtol=0)
    torch.testing.assert_close((1 - abar).sqrt(), golden["sqrt_one_minus_alphas_cumprod"], atol=1e-7, rtol=0)
    ddpm = DDPMNoisePredictor(Recorder(), timesteps=400, time_input="sigma")
    torch.testing.assert_close(ddpm.alpha_bar, golden["alphas_cumprod"], atol=1e-7, rtol=0)
    # the 'sigma' time input is CaloDiffusion's sqrt(1 - abar) at the grid's timesteps
    grid = ddpm.schedule(400)
    ddpm.law_fn()(torch.zeros(400, 1), grid[:-1])
    seen = ddpm.backbone.seen[-1].flip(0)
    torch.testing.assert_close(seen, golden["sqrt_one_minus_alphas_cumprod"], atol=1e-6, rtol=1e-5)
    assert torch.allclose(alpha_bar_to_sigma(abar), ddpm.sigmas)


def test_flow_matching_path_and_target():
    rec = Recorder()
    fm = FlowMatching(rec, sigma_min=0.1)
    x1 = gaussian_data(6)
    loss = fm.loss(x1, generator=gen(2))
    # with a zero prediction the loss is the mean squared target
    g = gen(2)
    x0 = torch.randn(6, 2, generator=g)
    assert loss == pytest.approx(((x1 - 0.9 * x0) ** 2).mean().item(), rel=1e-5)
    assert fm.law is Law.VELOCITY and torch.equal(fm.schedule(4), torch.linspace(0, 1, 5))
    with pytest.raises(ConfigError):
        FlowMatching(rec, sigma_min=1.0)


def test_ot_pairing_is_an_optimal_permutation():
    x0, x1 = torch.randn(32, 3, generator=gen(0)), torch.randn(32, 3, generator=gen(1)) + 2
    perm = ot_pairing(x0, x1)
    assert sorted(perm.tolist()) == list(range(32))
    paired = ((x0[perm] - x1) ** 2).sum()
    assert paired < ((x0 - x1) ** 2).sum()
    for seed in range(5):  # no random permutation does better
        other = torch.randperm(32, generator=gen(seed))
        assert paired <= ((x0[other] - x1) ** 2).sum()


def test_flow_matching_ot_keeps_padding_zero():
    mask = torch.arange(4)[None, :] < torch.tensor([1, 4, 2, 3, 4, 1])[:, None]
    x = torch.randn(6, 4, 2, generator=gen()) * mask[..., None]
    seen = []

    class Spy(nn.Module):
        def forward(self, x, t, cond, mask):
            seen.append(x)
            return torch.zeros_like(x)

    loss = FlowMatching(Spy(), ot=True).loss(x, mask=mask, generator=gen(1))
    assert torch.isfinite(loss) and torch.all(seen[0][~mask] == 0)


def test_lsgan_and_wgan_losses():
    ones, zeros = torch.ones(4), torch.zeros(4)
    assert lsgan_critic_loss(ones, zeros) == 0
    assert lsgan_critic_loss(zeros, ones) == pytest.approx(1.0)
    assert lsgan_generator_loss(zeros) == pytest.approx(0.5) and lsgan_generator_loss(ones) == 0
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([1.0, -1.0])
    assert wgan_critic_loss(real, fake) == pytest.approx(-3.0)
    assert wgan_generator_loss(fake) == pytest.approx(0.0)


def test_gradient_penalty_of_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # |grad| = 5 everywhere
    seen = {}

    def critic(x, scale=1.0):
        seen["scale"] = scale
        return scale * x @ w

    real, fake = torch.randn(8, 2, generator=gen(0)), torch.randn(8, 2, generator=gen(1))
    gp = gradient_penalty(critic, real, fake, gen(2), critic_kwargs={"scale": 0.2})
    assert seen["scale"] == 0.2 and gp.item() == pytest.approx(0.0, abs=1e-6)
    gp = gradient_penalty(critic, real, fake, gen(2), weight=10.0)
    assert gp.item() == pytest.approx(10 * 16.0)
    with pytest.raises(ConfigError, match="shape"):
        gradient_penalty(critic, real, fake[:4], gen(2))


def test_generator_objective():
    rec = Recorder(2.0)
    obj = GeneratorObjective(rec, loss="wgan-gp")
    z = obj.initial_noise((3, 2), gen(0))
    assert torch.equal(z, torch.randn(3, 2, generator=gen(0)))
    assert obj.law is Law.GENERATOR and torch.equal(obj.schedule(10), torch.tensor([0.0, 1.0]))
    assert torch.equal(obj.law_fn()(z, torch.tensor(0.0)), torch.full((3, 2), 2.0))
    assert rec.seen[0].shape == (3,)
    with pytest.raises(HepzooError, match="critic"):
        obj.loss(z)
    with pytest.raises(ConfigError, match="lsgan"):
        GeneratorObjective(rec, loss="hinge")


def test_one_positive_integer_check_for_step_counts():
    import numpy as np

    fm = FlowMatching(torch.nn.Identity())
    assert len(fm.schedule(np.int64(3))) == 4
    for bad in (True, 0, 2.0):
        with pytest.raises(ConfigError, match="steps must be a positive integer"):
            fm.schedule(bad)
