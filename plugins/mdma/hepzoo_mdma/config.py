"""attrs configs of the MDMA networks and published models (JSON via hepzoo.config).

Defaults are the authors' jet configuration (kaechb/MDMA, NeurIPS branch ``default_jet.yaml``, the
code of arXiv:2305.15254 / arXiv:2408.04997): particles embedded to 16, generator 7 blocks of
hidden width 48, critic 2 blocks of width 64, 16 heads; the flow-matching network (``main``
branch ``default_jet_fm.yaml``) 10 blocks of width 512 with 8 time frequencies. docs/mdma.md says
why these and not the 128/128 of the authors' shipped top-jet checkpoint.
"""

from __future__ import annotations

import attrs

from hepzoo.config import finite_float32, positive
from hepzoo.errors import ConfigError

__all__ = ["FEATURES", "GeneratorConfig", "CriticConfig", "VelocityConfig", "MdmaConfig", "MdmaFmConfig"]

FEATURES = ("eta_rel", "phi_rel", "pt_rel")


def _heads_divide_hidden(instance, attribute, value) -> None:
    """attrs validator: attention heads split the hidden width evenly."""
    positive(instance, attribute, value)
    if instance.hidden % value:
        raise ConfigError(f"'heads' ({value}) must divide 'hidden' ({instance.hidden}); pick a divisor of hidden")


@attrs.define(frozen=True)
class GeneratorConfig:
    """The MDMA generator: ``layers`` mean-field blocks on particles embedded to ``embed``."""

    embed: int = attrs.field(default=16, validator=positive)
    hidden: int = attrs.field(default=48, validator=positive)
    layers: int = attrs.field(default=7, validator=positive)
    heads: int = attrs.field(default=16, validator=_heads_divide_hidden)
    features: int = attrs.field(default=3, validator=positive)


@attrs.define(frozen=True)
class CriticConfig:
    """The weight-normalised MDMA critic (training only, never published)."""

    embed: int = attrs.field(default=16, validator=positive)
    hidden: int = attrs.field(default=64, validator=positive)
    layers: int = attrs.field(default=2, validator=positive)
    heads: int = attrs.field(default=16, validator=_heads_divide_hidden)
    features: int = attrs.field(default=3, validator=positive)


@attrs.define(frozen=True)
class VelocityConfig:
    """The MDMA-FM velocity network: mean-field blocks with a cosine time embedding of ``time_frequencies``."""

    embed: int = attrs.field(default=16, validator=positive)
    hidden: int = attrs.field(default=512, validator=positive)
    layers: int = attrs.field(default=10, validator=positive)
    heads: int = attrs.field(default=16, validator=_heads_divide_hidden)
    features: int = attrs.field(default=3, validator=positive)
    time_frequencies: int = attrs.field(default=8, validator=positive)


@attrs.define(frozen=True)
class MdmaConfig:
    """A published MDMA GAN: generator (and critic) sizes, particle slots, feature order."""

    generator: GeneratorConfig = attrs.field(factory=GeneratorConfig)
    critic: CriticConfig = attrs.field(factory=CriticConfig)
    max_particles: int = attrs.field(default=150, validator=positive)
    features: tuple[str, ...] = FEATURES


@attrs.define(frozen=True)
class MdmaFmConfig:
    """A published MDMA-FM model: velocity network, particle slots, flow matching's ``sigma_min``, OT pairing."""

    network: VelocityConfig = attrs.field(factory=VelocityConfig)
    max_particles: int = attrs.field(default=150, validator=positive)
    features: tuple[str, ...] = FEATURES
    sigma_min: float = attrs.field(default=0.0, validator=finite_float32)
    ot: bool = True
