"""How a backbone is trained and what its output means (its *law*), for samplers to integrate."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn

from hepzoo._random import randn
from hepzoo.laws import Law
from hepzoo.masking import apply_mask

__all__ = ["Law", "LawFn", "GenerativeObjective"]

# (x, t) -> tensor shaped like x. For Law.DENOISER t is the noise level sigma and the output the
# denoised estimate D(x; sigma) (Karras et al. 2022, arXiv:2206.00364); for Law.VELOCITY t is
# flow time in [0, 1] (t=0 noise, t=1 data) and the output dx/dt; for Law.GENERATOR t is unused
# and x is the latent z. Conditions and masks are closed over by the objective.
LawFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class GenerativeObjective(nn.Module, abc.ABC):
    """Wraps a backbone ``backbone(x, t, cond, mask) -> like x`` with a loss and a law.

    ``cond`` is ``[B, C]`` (already preprocessed) or None; ``mask`` is ``[B, P]`` bool or None.
    """

    law: ClassVar[Law]

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone

    @abc.abstractmethod
    def loss(
        self,
        x: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Scalar training loss on a batch of preprocessed data."""

    @abc.abstractmethod
    def law_fn(self, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> LawFn:
        """The function a sampler integrates, with conditions and mask bound."""

    @abc.abstractmethod
    def schedule(self, steps: int, device: torch.device | str | None = None) -> torch.Tensor:
        """``steps + 1`` grid points: decreasing sigmas ending at 0, or times from 0 to 1."""

    def noise_scale(self) -> float:
        """Standard deviation of the sampler's starting point (1 for flows and GANs)."""
        return 1.0

    def initial_noise(
        self, shape: tuple[int, ...], generator: torch.Generator, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """The sampler's starting point, ``noise_scale() * N(0, I)`` drawn on ``generator``'s device."""
        return self.noise_scale() * randn(shape, generator, device)

    def draw_noise(
        self,
        shape: tuple[int, ...],
        mask: torch.Tensor | None,
        generator: torch.Generator,
        device: torch.device | str | None = None,
    ):
        """What the sampler starts from: ``initial_noise`` with padded particles zeroed.

        Generators with several latents return ``{name: tensor}`` instead (see
        ``hepzoo.objectives.latents``); only the one-shot sampler takes that.
        """
        return apply_mask(self.initial_noise(shape, generator, device), mask)
