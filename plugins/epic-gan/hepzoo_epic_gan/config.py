"""attrs configs of the EPiC-GAN generator, critic and published model (JSON via hepzoo.config)."""

from __future__ import annotations

import attrs

__all__ = ["GeneratorConfig", "CriticConfig", "EpicGanConfig", "FEATURES", "AUTHORS_ORDER"]

# hepzoo's point-cloud feature order, and where each of the authors' features [pT, eta, phi] sits in it.
FEATURES = ("eta_rel", "phi_rel", "pt_rel")
AUTHORS_ORDER = ("pt_rel", "eta_rel", "phi_rel")


@attrs.define(frozen=True)
class GeneratorConfig:
    """EPiC generator sizes (Buhmann et al., arXiv:2301.08128; defaults of the released models)."""

    latent: int = 10
    latent_local: int = 3
    hidden: int = 128
    feats: int = 3
    layers: int = 6


@attrs.define(frozen=True)
class CriticConfig:
    """EPiC critic (discriminator) sizes; used for training only, never published."""

    latent: int = 10
    hidden: int = 128
    feats: int = 3
    layers: int = 3


@attrs.define(frozen=True)
class EpicGanConfig:
    """A published EPiC-GAN: architecture, max multiplicity, normalisation width, feature order."""

    generator: GeneratorConfig = attrs.field(factory=GeneratorConfig)
    critic: CriticConfig = attrs.field(factory=CriticConfig)
    max_particles: int = 150
    norm_sigma: float = 5.0
    features: tuple[str, ...] = FEATURES
