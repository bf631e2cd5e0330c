"""Consistency distillation as a training step: a frozen teacher, the student, its EMA target network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo.objectives.consistency import ODE_STEPS, consistency_distillation_loss, distillation_sigmas
from hepzoo.training.ema import EMA
from hepzoo.training.steps import MODEL, StepContext, TrainStep

__all__ = ["ConsistencyDistillationStep"]


class ConsistencyDistillationStep(TrainStep):
    """Song et al. 2023 (arXiv:2303.01469, Alg. 2): the student ``f_theta`` learns to agree with
    the target network ``f_theta-`` one teacher ODE step closer to the data; then
    ``theta- <- mu theta- + (1 - mu) theta``.

    ``student`` is a :class:`~hepzoo.objectives.ConsistencyDenoiser` (the published model's
    objective), ``teacher`` any objective with ``denoise(x, sigma, cond, mask)`` (EDM's), frozen.
    The target starts as a copy of the student (which a family initialises from the teacher) and
    is saved with checkpoints (``state_tensors``). ``steps`` is N, the Karras discretisation of
    [sigma_min, sigma_max] the pairs of noise levels come from; ``ode_step`` the teacher's solver
    (``hepzoo.objectives.ODE_STEPS``). ``unpack(batch)`` gives ``(x, cond, mask)`` on the device.
    """

    def __init__(self, student: nn.Module, teacher: nn.Module, steps: int = 18, mu: float = 0.95,
                 ode_step: str = "heun", unpack: Callable[[Any], tuple] | None = None) -> None:
        if not 0.0 <= mu < 1.0:
            raise ConfigError(f"the target network's EMA decay mu must be in [0, 1), got {mu}")
        if ode_step not in ODE_STEPS:
            raise ConfigError(f"unknown teacher ODE step {ode_step!r}; use one of {', '.join(ODE_STEPS)}")
        self.student, self.teacher = student, teacher.requires_grad_(False)
        self._target = EMA(student, mu)
        self.sigmas = distillation_sigmas(steps, student.sigma_min, student.sigma_max, student.rho)
        self.mu, self.ode_step = float(mu), ode_step
        self.unpack = unpack or (lambda batch: batch)

    def __call__(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        x, cond, mask = self.unpack(batch)

        def teacher(x_t: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            return self.teacher.denoise(x_t, sigma, cond, mask)

        with ctx.autocast():
            loss = consistency_distillation_loss(self.student, self.target, teacher, x, self.sigmas, cond, mask,
                                                 ctx.generator, self.ode_step)
        ctx.update(MODEL, loss.float())
        self.update_target()
        return {"loss": loss.detach()}

    @property
    def target(self) -> nn.Module:
        """The target network ``f_theta-`` (frozen, in eval mode)."""
        return self._target.shadow

    def update_target(self) -> None:
        """``theta- <- mu theta- + (1 - mu) theta`` (the engine's EMA); buffers follow the student."""
        self._target.update(self.student)
        self._target.copy_buffers(self.student)

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {f"target.{k}": v for k, v in self.target.state_dict().items()}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        state = {k.removeprefix("target."): v for k, v in tensors.items() if k.startswith("target.")}
        if state:
            self.target.load_state_dict(state, strict=True)
