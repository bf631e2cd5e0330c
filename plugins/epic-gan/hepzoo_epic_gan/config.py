"""attrs configs of the EPiC-GAN generator, critic and published model (JSON via hepzoo.config)."""

from __future__ import annotations

import attrs

from hepzoo.config import positive

__all__ = ["GeneratorConfig", "CriticConfig", "EpicGanConfig", "FEATURES", "AUTHORS_ORDER"]

# hepzoo's point-cloud feature order, and where each of the authors' features [pT, eta, phi] sits in it.
FEATURES = ("eta_rel", "phi_rel", "pt_rel")
AUTHORS_ORDER = ("pt_rel", "eta_rel", "phi_rel")


@attrs.define(frozen=True)
class GeneratorConfig:
    """EPiC generator sizes (Buhmann et al., arXiv:2301.08128; defaults of the released models)."""

    latent: int = attrs.field(default=10, validator=positive)
    latent_local: int = attrs.field(default=3, validator=positive)
    hidden: int = attrs.field(default=128, validator=positive)
    feats: int = attrs.field(default=3, validator=positive)
    layers: int = attrs.field(default=6, validator=positive)


@attrs.define(frozen=True)
class CriticConfig:
    """EPiC critic (discriminator) sizes; used for training only, never published."""

    latent: int = attrs.field(default=10, validator=positive)
    hidden: int = attrs.field(default=128, validator=positive)
    feats: int = attrs.field(default=3, validator=positive)
    layers: int = attrs.field(default=3, validator=positive)


@attrs.define(frozen=True)
class EpicGanConfig:
    """A published EPiC-GAN: architecture, max multiplicity, normalisation width, feature order."""

    generator: GeneratorConfig = attrs.field(factory=GeneratorConfig)
    critic: CriticConfig = attrs.field(factory=CriticConfig)
    max_particles: int = attrs.field(default=150, validator=positive)
    norm_sigma: float = 5.0
    features: tuple[str, ...] = FEATURES
