"""Consistency models: a denoiser that is the identity at sigma_min, distilled from a diffusion teacher."""

from __future__ import annotations

from collections.abc import Callable

import torch

from hepzoo._random import randint
from hepzoo.errors import ConfigError
from hepzoo.laws import Law
from hepzoo.masking import apply_mask
from hepzoo.objectives._common import masked_mean, normal
from hepzoo.objectives.edm import EDMDenoiser
from hepzoo.objectives.schedules import karras_sigmas

__all__ = ["ConsistencyDenoiser", "ODE_STEPS", "pf_ode_step", "distillation_sigmas", "consistency_distillation_loss"]

# D(x, sigma [B]) -> the denoised estimate, conditions and mask bound
Denoise = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ODE_STEPS = ("euler", "heun", "dpm-2")


class ConsistencyDenoiser(EDMDenoiser):
    """``f(x, sigma) = c_skip x + c_out F(c_in x, c_noise)`` with ``f(x, sigma_min) = x`` exactly.

    Song et al. 2023 (arXiv:2303.01469, App. C): ``c_skip = sigma_data^2 / ((sigma - sigma_min)^2 +
    sigma_data^2)``, ``c_out = sigma_data (sigma - sigma_min) / sqrt(sigma_data^2 + sigma^2)``; ``c_in``
    and ``c_noise`` are EDM's, so a student starts from its EDM teacher's weights. It is trained by
    distillation (``hepzoo.training.ConsistencyDistillationStep``) and sampled by multistep consistency.
    """

    law = Law.CONSISTENCY

    def precondition(self, sigma: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(c_skip, c_out, c_in, c_noise)`` for a ``[B]`` sigma: 1 and 0 at ``sigma_min``."""
        _, _, c_in, c_noise = super().precondition(sigma)
        sd2 = self.sigma_data**2
        shifted = sigma - self.sigma_min
        c_skip = sd2 / (shifted**2 + sd2)
        c_out = shifted * self.sigma_data / (sigma**2 + sd2).sqrt()
        return c_skip, c_out, c_in, c_noise

    def loss(self, x, cond=None, mask=None, generator=None) -> torch.Tensor:
        raise ConfigError(
            "a consistency model is trained by distillation from a diffusion teacher "
            "(hepzoo.training.ConsistencyDistillationStep), not by a loss of its own"
        )


def distillation_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float = 7.0,
                        device: torch.device | str | None = None) -> torch.Tensor:
    """The ``steps`` (N) Karras sigmas from ``sigma_max`` down to ``sigma_min`` a student is distilled on."""
    if steps < 2:
        raise ConfigError(f"consistency distillation needs N >= 2 discretisation steps, got {steps}")
    return karras_sigmas(steps, sigma_min, sigma_max, rho, device=device)[:-1]


def pf_ode_step(denoise: Denoise, x: torch.Tensor, sigma: torch.Tensor, sigma_next: torch.Tensor,
                method: str = "dpm-2") -> torch.Tensor:
    """One step of the probability-flow ODE ``dx/dsigma = (x - D(x; sigma)) / sigma`` per event.

    ``sigma`` and ``sigma_next`` are ``[B]`` and positive. ``euler`` and ``heun`` are EDM's
    (Karras et al. 2022, arXiv:2206.00364, Alg. 1); ``dpm-2`` is DPM-Solver-2 (Lu et al. 2022,
    arXiv:2206.00927): an Euler half step to the geometric mean of the two sigmas, whose slope
    takes the full step.
    """
    if method not in ODE_STEPS:
        raise ConfigError(f"unknown ODE step {method!r}; use one of {', '.join(ODE_STEPS)}")
    view = (-1,) + (1,) * (x.dim() - 1)
    s, s_next = sigma.view(view), sigma_next.view(view)
    d = (x - denoise(x, sigma)) / s
    if method == "euler":
        return x + d * (s_next - s)
    if method == "heun":
        x_euler = x + d * (s_next - s)
        d_next = (x_euler - denoise(x_euler, sigma_next)) / s_next
        return x + 0.5 * (d + d_next) * (s_next - s)
    sigma_mid = (sigma * sigma_next).sqrt()
    s_mid = sigma_mid.view(view)
    x_mid = x + d * (s_mid - s)
    d_mid = (x_mid - denoise(x_mid, sigma_mid)) / s_mid
    return x + d_mid * (s_next - s)


def consistency_distillation_loss(
    student: ConsistencyDenoiser,
    target: ConsistencyDenoiser,
    teacher: Denoise,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    cond: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    method: str = "dpm-2",
) -> torch.Tensor:
    """Song et al. 2023 (arXiv:2303.01469, Alg. 2, lambda = 1, squared l2): per event a pair
    ``sigma_{n+1} > sigma_n`` of ``sigmas`` (decreasing), ``x_{n+1} = x + sigma_{n+1} z``, one teacher
    ODE step to ``x_n``, and ``|f_student(x_{n+1}, sigma_{n+1}) - f_target(x_n, sigma_n)|^2``.

    ``teacher(x, sigma)`` is the teacher's denoiser with conditions and mask bound; the teacher
    and the target network get no gradient.
    """
    if generator is None:
        low = torch.randint(1, len(sigmas), (x.shape[0],), device=x.device)
    else:
        low = 1 + randint(len(sigmas) - 1, (x.shape[0],), generator).to(x.device)
    sigmas = sigmas.to(device=x.device, dtype=x.dtype)
    sigma, sigma_next = sigmas[low - 1], sigmas[low]
    view = (-1,) + (1,) * (x.dim() - 1)
    x = apply_mask(x, mask)
    noisy = apply_mask(x + sigma.view(view) * normal(tuple(x.shape), generator, x), mask)
    with torch.no_grad():
        stepped = apply_mask(pf_ode_step(teacher, noisy, sigma, sigma_next, method), mask)
        aim = target.denoise(stepped, sigma_next, cond, mask)
    out = student.denoise(noisy, sigma, cond, mask)
    return masked_mean((out - aim.to(out.dtype)) ** 2, mask)
