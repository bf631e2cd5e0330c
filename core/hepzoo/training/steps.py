"""One training step: the engine's context (optimisers, autocast, noise) and the steps it ships.

A step gets a batch and a :class:`StepContext` and returns its losses. ``LossStep`` trains one
network on ``objective.loss`` (EDM, DDPM, flow matching). ``AdversarialStep`` is the hook for a
second trained network: a critic update, then a generator update (LSGAN, Mao et al.,
arXiv:1611.04076; WGAN-GP, arXiv:1704.00028). A step with a frozen teacher and a target network
(consistency distillation, Song et al., arXiv:2303.01469) fits the same seam: the recipe lists the
teacher among its networks with ``trainable=False``, the step keeps the target network and
returns its tensors from ``state_tensors`` so checkpoints carry it.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from hepzoo.objectives.gan import GeneratorObjective, gradient_penalty

__all__ = ["StepContext", "TrainStep", "LossStep", "AdversarialStep", "MODEL"]

MODEL = "model"  # the name of the network that is published (the Model itself)


class StepContext:
    """What a step may use: named networks and their optimisers, autocast, seeded noise.

    ``generator`` draws all training noise on the training device (no copy per step); the engine
    saves its state in checkpoints, so resumed noise is the same noise.
    """

    def __init__(
        self,
        networks: dict[str, nn.Module],
        optimizers: dict[str, torch.optim.Optimizer],
        device: torch.device,
        generator: torch.Generator,
        *,
        bf16: bool = False,
        clip_grad: float | None = None,
    ) -> None:
        self.networks, self.optimizers, self.device = networks, optimizers, device
        self.generator = generator
        self.bf16, self.clip_grad = bf16, clip_grad

    def autocast(self) -> contextlib.AbstractContextManager:
        """bfloat16 autocast on the device when the run asks for it, a no-op otherwise."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)

    def update(self, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` into network ``name`` and take one optimiser step (clipped)."""
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip_grad is not None:
            nn.utils.clip_grad_norm_(self.networks[name].parameters(), self.clip_grad)
        opt.step()

    @contextlib.contextmanager
    def frozen(self, name: str) -> Iterator[nn.Module]:
        """Network ``name`` with gradients off (a critic scoring the generator's output)."""
        net = self.networks[name]
        net.requires_grad_(False)
        try:
            yield net
        finally:
            net.requires_grad_(True)


class TrainStep(abc.ABC):
    """One optimisation step on a batch; returns ``{loss name: scalar tensor}`` for the log."""

    @abc.abstractmethod
    def __call__(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        """Run the step's forward passes and ``ctx.update`` calls."""

    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Tensors the step owns (e.g. a distillation target network), saved with checkpoints."""
        return {}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_tensors` returned."""
        return None


class LossStep(TrainStep):
    """``objective.loss(x, cond, mask, generator)`` on one network (diffusion, flow matching).

    ``unpack(batch)`` returns ``(x, cond, mask)`` already preprocessed and on the device.
    """

    def __init__(self, objective: nn.Module, unpack: Callable[[Any], tuple] | None = None) -> None:
        self.objective = objective
        self.unpack = unpack or (lambda batch: batch)

    def __call__(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        x, cond, mask = self.unpack(batch)
        with ctx.autocast():
            loss = self.objective.loss(x, cond, mask, generator=ctx.generator)
        ctx.update(MODEL, loss.float())
        return {"loss": loss.detach()}


def _dense(batch: Any) -> tuple:
    """A bare tensor is ``(x, None, None)``; tuples pass through."""
    return (batch, None, None) if isinstance(batch, torch.Tensor) else tuple(batch)


class AdversarialStep(TrainStep):
    """Critic update(s), then one generator update: the GAN hook of the engine.

    The losses are the objective's (``GeneratorObjective.loss_name``: LSGAN, Mao et al.,
    arXiv:1611.04076; WGAN-GP, arXiv:1704.00028, which adds ``gradient_penalty``) and fakes are
    drawn through it: ``objective.draw_noise`` (its declared latents) on ``ctx.generator``, then
    its law, i.e. the backbone. ``unpack(batch)`` gives ``(x, cond, mask)`` in the critic's space
    (a bare tensor is ``(x, None, None)``); a batch without a mask is dense, every particle real,
    so a per-multiplicity generator draws its latents as one bucket of ``x.shape[1]`` particles.
    A family overrides ``score`` to pass masks or conditions to its critic, ``real``/``fake`` only
    when its batches need more. ``critic_steps`` critic updates precede each generator update;
    with ``fresh_noise`` the generator update draws new noise (EPiC-GAN, arXiv:2301.08128),
    otherwise it reuses the critic step's fake batch graph. ``joint_scores`` scores real and fake
    batches in one critic call (same shapes only; per-event critics only). Scores are cast to
    float32 before the loss, so bf16 autocast rounds activations, not losses.
    """

    critic: str = "critic"
    joint_scores: bool = False

    def __init__(
        self,
        objective: GeneratorObjective,
        critic_steps: int = 1,
        fresh_noise: bool = True,
        gp_weight: float = 10.0,
        unpack: Callable[[Any], tuple] | None = None,
    ) -> None:
        self.objective = objective
        self.unpack = unpack or _dense
        self.critic_steps, self.fresh_noise, self.gp_weight = critic_steps, fresh_noise, gp_weight

    def real(self, batch: Any, ctx: StepContext) -> torch.Tensor:
        """The real events of ``batch`` in the critic's input space."""
        return self.unpack(batch)[0]

    def fake(self, batch: Any, ctx: StepContext) -> torch.Tensor:
        """Generated events like ``real(batch)``: the objective's noise on ``ctx.generator``, then its law."""
        x, cond, mask = self.unpack(batch)
        noise_mask = mask
        if mask is None and self.objective.by_multiplicity and x.dim() >= 3:  # dense: one multiplicity
            noise_mask = torch.ones(x.shape[:2], dtype=torch.bool)
        noise = self.objective.draw_noise(tuple(x.shape), noise_mask, ctx.generator, ctx.device)
        return self.objective.law_fn(cond, mask)(noise, x.new_zeros(()))

    def score(self, critic: nn.Module, x: torch.Tensor, batch: Any) -> torch.Tensor:
        """The critic's scores of ``x`` (override to pass masks or conditions)."""
        return critic(x)

    def __call__(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        critic = ctx.networks[self.critic]
        real = self.real(batch, ctx)
        fake = None
        for _ in range(self.critic_steps):
            # with fresh noise for the generator update, this fake batch needs no graph
            with ctx.autocast(), torch.no_grad() if self.fresh_noise else contextlib.nullcontext():
                fake = self.fake(batch, ctx)
            with ctx.autocast():
                if self.joint_scores and real.shape == fake.shape:  # one critic call on [real; fake]
                    real_scores, fake_scores = self.score(critic, torch.cat([real, fake.detach()]), batch).chunk(2)
                else:
                    real_scores, fake_scores = self.score(critic, real, batch), self.score(critic, fake.detach(), batch)
                d_loss = self.objective.critic_loss(real_scores.float(), fake_scores.float())
            if self.objective.loss_name == "wgan-gp":
                d_loss = d_loss + gradient_penalty(
                    lambda x: self.score(critic, x, batch), real, fake.float(), ctx.generator, self.gp_weight
                )
            ctx.update(self.critic, d_loss)
        with ctx.frozen(self.critic), ctx.autocast():
            if self.fresh_noise:
                fake = self.fake(batch, ctx)
            g_loss = self.objective.generator_loss(self.score(critic, fake, batch).float())
        ctx.update(MODEL, g_loss)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
