"""The latent contract of generators with several noise tensors (a global and a per-particle one).

A GAN's generator may take more than one latent, e.g. EPiC-GAN's global ``[B, 10]`` and
per-particle ``[B, n, 3]`` noise (Buhmann, Kasieczka, Thaler, arXiv:2301.08128). Its objective
declares them as ``Latent``s; ``draw_latents`` draws them into padded ``[B, P, ...]`` tensors
(whole, or per multiplicity bucket: increasing n, each bucket's latents in declared order), so the core's one
generation path (noise -> one-shot sampler -> postprocess) feeds any such generator.
"""

from __future__ import annotations

import attrs
import torch

from hepzoo._random import randn
from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask, multiplicity_groups

__all__ = ["Latent", "draw_latents"]


@attrs.define(frozen=True)
class Latent:
    """One noise tensor: ``[B, *shape]``, or ``[B, n, *shape]`` when ``per_particle``."""

    name: str
    shape: tuple[int, ...] = attrs.field(converter=tuple)
    per_particle: bool = False


def draw_latents(
    latents: tuple[Latent, ...],
    n_events: int,
    mask: torch.Tensor | None,
    generator: torch.Generator,
    device: torch.device | str | None = None,
    by_multiplicity: bool = True,
    max_particles: int | None = None,
) -> dict[str, torch.Tensor]:
    """``{name: tensor}``; per-particle latents are ``[B, P, *shape]`` with padded particles zero.

    With a ``[B, P]`` mask and ``by_multiplicity`` they are drawn bucket by bucket of equal
    multiplicity (the bucketed path); otherwise every latent is drawn whole, in declared order
    (the padded path), ``P`` being the mask's width or ``max_particles`` (no mask: all real).
    """
    if mask is not None and by_multiplicity:
        return _draw_by_multiplicity(latents, n_events, mask, generator, device)
    p_max = mask.shape[1] if mask is not None else max_particles
    out = {}
    for lat in latents:
        if not lat.per_particle:
            out[lat.name] = randn((n_events, *lat.shape), generator, device)
            continue
        if p_max is None:
            raise ConfigError(f"latent {lat.name!r} is per-particle: give a [B, P] mask or max_particles")
        out[lat.name] = apply_mask(randn((n_events, p_max, *lat.shape), generator, device), mask)
    return out


def _draw_by_multiplicity(latents, n_events, mask, generator, device) -> dict[str, torch.Tensor]:
    """The bucketed draw: increasing multiplicity, each bucket's latents in declared order."""
    p_max = mask.shape[1]
    out = {
        lat.name: torch.zeros((n_events, p_max, *lat.shape) if lat.per_particle else (n_events, *lat.shape),
                              device=device)
        for lat in latents
    }
    for n, idx in multiplicity_groups(mask.sum(1)):
        where = torch.as_tensor(idx, device=device)
        for lat in latents:
            if lat.per_particle:
                out[lat.name][where, :n] = randn((len(idx), n, *lat.shape), generator, device)
            else:
                out[lat.name][where] = randn((len(idx), *lat.shape), generator, device)
    return out
