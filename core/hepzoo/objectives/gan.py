"""GAN losses (LSGAN, WGAN-GP) and the generator objective whose law a one-shot sampler runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from hepzoo._random import rand
from hepzoo.errors import ConfigError, HepzooError
from hepzoo.masking import apply_mask
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn
from hepzoo.objectives.latents import Latent, draw_latents, multiplicity_groups

__all__ = [
    "lsgan_critic_loss",
    "lsgan_generator_loss",
    "wgan_critic_loss",
    "wgan_generator_loss",
    "gradient_penalty",
    "GeneratorObjective",
    "AdversarialLossError",
]


class AdversarialLossError(HepzooError, NotImplementedError):
    """``GeneratorObjective.loss`` was called: a GAN trains against its critic, not alone."""


def lsgan_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Least-squares critic loss ``0.5 * mean[(D(x)-1)^2] + 0.5 * mean[D(G(z))^2]``.

    Mao et al. 2017, arXiv:1611.04076 (a=0, b=c=1; EPiC-GAN's convention).
    """
    return 0.5 * ((real_scores - 1.0) ** 2).mean() + 0.5 * (fake_scores**2).mean()


def lsgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Least-squares generator loss ``0.5 * mean[(D(G(z))-1)^2]`` (Mao et al. 2017, arXiv:1611.04076)."""
    return 0.5 * ((fake_scores - 1.0) ** 2).mean()


def wgan_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Wasserstein critic loss ``mean[D(G(z))] - mean[D(x)]`` (Arjovsky et al. 2017, arXiv:1701.07875)."""
    return fake_scores.mean() - real_scores.mean()


def wgan_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Wasserstein generator loss ``-mean[D(G(z))]`` (Arjovsky et al. 2017, arXiv:1701.07875)."""
    return -fake_scores.mean()


# the one table of GAN losses: name -> (critic loss, generator loss)
_LOSSES = {"lsgan": (lsgan_critic_loss, lsgan_generator_loss), "wgan-gp": (wgan_critic_loss, wgan_generator_loss)}
GAN_LOSSES = tuple(_LOSSES)


def gradient_penalty(
    critic: Callable[..., torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator,
    weight: float = 10.0,
    critic_kwargs: dict[str, Any] | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``weight * mean[(||grad D(x_hat)||_2 - 1)^2]`` on random interpolates.

    Gulrajani et al. 2017, arXiv:1704.00028. ``x_hat = e*real + (1-e)*fake`` with one uniform ``e``
    per event drawn from ``generator``; ``critic(x_hat, **critic_kwargs)`` must return scores
    ``[B]`` or ``[B, 1]``. With a ``[B, P]`` ``mask`` the padded entries of ``x_hat`` are zeroed.
    """
    if real.shape != fake.shape:
        raise ConfigError(
            f"gradient_penalty needs real and fake batches of one shape, got {tuple(real.shape)} and "
            f"{tuple(fake.shape)}; draw as many fake events as real ones"
        )
    eps = rand((real.shape[0],) + (1,) * (real.dim() - 1), generator, device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    if mask is not None:
        x_hat = apply_mask(x_hat, mask)
    scores = critic(x_hat, **(critic_kwargs or {}))
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return weight * ((norm - 1.0) ** 2).mean()


class GeneratorObjective(GenerativeObjective):
    """A GAN generator ``G(z)``: its law is the generator itself, run once by the one-shot sampler.

    ``loss`` names the adversarial loss (``critic_loss``/``generator_loss`` apply it): "lsgan"
    (Mao et al. 2017, arXiv:1611.04076) or "wgan-gp" (Gulrajani et al. 2017, arXiv:1704.00028;
    add ``gradient_penalty`` to its critic loss). ``hepzoo.training.AdversarialStep`` trains with
    these losses and draws its fakes through ``draw_noise`` and ``law_fn``, so training and
    sampling share one latent contract. The critic is not part of the objective.

    ``latents`` declares a generator with several noise tensors: the backbone is then called as
    ``backbone(*latents, cond=..., mask=...)`` (the keywords only when not None). With
    ``by_multiplicity`` (point clouds) latents are drawn per multiplicity bucket and the backbone
    runs once per bucket on dense ``[b, n, ...]`` tensors without a mask, as EPiC-GAN does.
    Without ``latents`` it is ``backbone(z, t, cond, mask)`` on one latent shaped like the event.
    """

    law = Law.GENERATOR

    def __init__(
        self,
        backbone: nn.Module,
        loss: str = "lsgan",
        latents: tuple[Latent, ...] = (),
        by_multiplicity: bool = False,
    ) -> None:
        super().__init__(backbone)
        if loss not in GAN_LOSSES:
            raise ConfigError(f"unknown GAN loss {loss!r}; use one of {', '.join(GAN_LOSSES)}")
        self.loss_name = loss
        self.latents = tuple(latents)
        self.by_multiplicity = bool(by_multiplicity)

    def critic_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        """The critic's loss of ``loss_name`` (for wgan-gp without its gradient penalty)."""
        return _LOSSES[self.loss_name][0](real_scores, fake_scores)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        """The generator's loss of ``loss_name``."""
        return _LOSSES[self.loss_name][1](fake_scores)

    def draw_noise(self, shape, mask, generator, device=None):
        """The generator's input: declared latents (``{name: tensor}``) or one event-shaped latent."""
        if not self.latents:
            return super().draw_noise(shape, mask, generator, device)
        max_particles = shape[1] if len(shape) > 1 else None
        return draw_latents(self.latents, shape[0], mask, generator, device, self.by_multiplicity, max_particles)

    def loss(
        self,
        x: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        raise AdversarialLossError(
            "a GAN has no single-network loss: train it with its critic through "
            "hepzoo.training.AdversarialStep, which applies this objective's critic_loss / "
            "generator_loss (and gradient_penalty for wgan-gp)"
        )

    def law_fn(
        self, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None, backbone: nn.Module | None = None
    ) -> LawFn:
        """``G`` with conditions and mask bound; ``backbone`` swaps in e.g. a weight-folded copy."""
        net = self.backbone if backbone is None else backbone
        if self.latents:
            return self._latent_law(net, cond, mask)

        def fn(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            tt = torch.as_tensor(t, device=z.device, dtype=z.dtype).reshape(-1).expand(z.shape[0])
            return net(z, tt, cond, mask)

        return fn

    def _latent_law(self, net: nn.Module, cond: torch.Tensor | None, mask: torch.Tensor | None) -> LawFn:
        names = [lat.name for lat in self.latents]
        per_particle = {lat.name: lat.per_particle for lat in self.latents}

        def call(z: dict[str, torch.Tensor], c: torch.Tensor | None, m: torch.Tensor | None) -> torch.Tensor:
            kwargs = {k: v for k, v in (("cond", c), ("mask", m)) if v is not None}
            return net(*[z[name] for name in names], **kwargs)

        def fn(z: dict[str, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
            if mask is None or not self.by_multiplicity:
                return call(z, cond, mask)
            out = None
            for n, idx in multiplicity_groups(mask.sum(1)):
                where = torch.as_tensor(idx, device=mask.device)
                dense = {k: v[where, :n] if per_particle[k] else v[where] for k, v in z.items()}
                part = call(dense, None if cond is None else cond[where], None)
                if out is None:
                    out = torch.zeros((mask.shape[0], mask.shape[1], *part.shape[2:]), device=part.device,
                                      dtype=part.dtype)
                out[where, :n] = part
            return out

        return fn

    def schedule(self, steps: int, device: torch.device | str | None = None) -> torch.Tensor:
        return torch.tensor([0.0, 1.0], device=device)

