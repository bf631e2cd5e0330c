"""attrs configs of the PC-Droid networks and published models (JSON via hepzoo.config).

Sizes are the authors' (Leigh et al., arXiv:2307.06836; rodem-hep/pcdroid paper configs): the
cross-attention encoder "cae16" has 16 global tokens, width 64, 3 layers, 8 heads and feed-forward
width 256; the full transformer width 256, 3 layers, 16 heads and feed-forward width 512. The
noise level enters through 16 exponentially spaced cosine frequencies up to sigma_max = 80.
"""

from __future__ import annotations

import attrs

from hepzoo.config import finite_float32, positive, positive_float32
from hepzoo.errors import ConfigError
from hepzoo.preprocessing import ChainConfig, LogConfig, PerFeatureConfig, StandardizeConfig, TransformConfig

__all__ = [
    "ATTENTIONS",
    "FEATURES",
    "JET_COLUMNS",
    "CONDITION_NAMES",
    "BackboneConfig",
    "PcDroidConfig",
    "PcDroidCDConfig",
    "cae_backbone",
    "full_backbone",
    "default_preprocessing",
]

ATTENTIONS = ("cross", "full")
FEATURES = ("eta_rel", "phi_rel", "pt_rel")
JET_COLUMNS = ("pt", "eta", "mass", "n_particles")  # the continuous jet vector, in JetNet's jet_features order
CONDITION_NAMES = ("type", *JET_COLUMNS)


def _range(instance, attribute, value) -> None:
    """attrs validator: a (low, high) pair of float32-finite numbers with low < high."""
    if len(value) != 2:
        raise ConfigError(f"{attribute.name!r} must be finite (low, high) with low < high, got {tuple(value)}")
    for bound in value:
        finite_float32(instance, attribute, bound)
    if not value[0] < value[1]:
        raise ConfigError(f"{attribute.name!r} must be finite (low, high) with low < high, got {tuple(value)}")


@attrs.define(frozen=True)
class BackboneConfig:
    """A PC-Droid transformer: ``attention`` "cross" (CAE, ``tokens`` global tokens) or "full" (self-attention)."""

    attention: str = "cross"
    model_dim: int = attrs.field(default=64, validator=positive)
    layers: int = attrs.field(default=3, validator=positive)
    heads: int = attrs.field(default=8, validator=positive)
    ff_hidden: int = attrs.field(default=256, validator=positive)
    tokens: int = attrs.field(default=16, validator=positive)
    context_dim: int = attrs.field(default=64, validator=positive)
    noise_frequencies: int = attrs.field(default=16, validator=positive)
    noise_max: float = attrs.field(default=80.0, validator=positive_float32)
    features: int = attrs.field(default=3, validator=positive)
    cond_dim: int = attrs.field(default=9, validator=positive)  # 4 jet numbers + 5-way type one-hot

    def __attrs_post_init__(self) -> None:
        if self.attention not in ATTENTIONS:
            raise ConfigError(f"attention must be one of {ATTENTIONS}, got {self.attention!r}")
        if self.model_dim % self.heads:
            raise ConfigError(f"model_dim {self.model_dim} is not divisible by heads {self.heads}; change one")


def cae_backbone() -> BackboneConfig:
    """The authors' cross-attention encoder "cae16" (arXiv:2307.06836)."""
    return BackboneConfig(attention="cross", model_dim=64, layers=3, heads=8, ff_hidden=256, tokens=16)


def full_backbone() -> BackboneConfig:
    """The authors' full transformer encoder (arXiv:2307.06836)."""
    return BackboneConfig(attention="full", model_dim=256, layers=3, heads=16, ff_hidden=512)


def default_preprocessing() -> TransformConfig:
    """(eta_rel, phi_rel, log(1 + pT [GeV])) standardised to unit width (arXiv:2307.06836, sigma_data = 1)."""
    return ChainConfig(
        (PerFeatureConfig(3, (2,), LogConfig(1, plus_one=True)), StandardizeConfig(3))
    )


@attrs.define(frozen=True)
class PcDroidConfig:
    """A PC-Droid model: network, EDM constants, preprocessing and the declared condition ranges.

    EDM (Karras et al., arXiv:2206.00364) as the authors set it: ``sigma_data`` 1 (inputs are
    standardised), ``ln sigma ~ N(-1.2, 1.2^2)`` in training, sigmas in [1e-5, 80], rho = 7. The
    ranges (``pt_range`` GeV, ``eta_range``, ``mass_range`` GeV) are the training jets' own, set
    when the model is fitted: asking for a jet outside them is refused, not extrapolated.
    """

    backbone: BackboneConfig = attrs.field(factory=cae_backbone)
    max_particles: int = attrs.field(default=150, validator=positive)
    sigma_data: float = attrs.field(default=1.0, validator=positive_float32)
    p_mean: float = attrs.field(default=-1.2, validator=finite_float32)
    p_std: float = attrs.field(default=1.2, validator=positive_float32)
    sigma_min: float = attrs.field(default=1e-5, validator=positive_float32)
    sigma_max: float = attrs.field(default=80.0, validator=positive_float32)
    rho: float = attrs.field(default=7.0, validator=positive_float32)
    preprocessing: TransformConfig = attrs.field(factory=default_preprocessing)
    pt_range: tuple[float, ...] = attrs.field(default=(100.0, 5000.0), validator=_range)
    eta_range: tuple[float, ...] = attrs.field(default=(-3.0, 3.0), validator=_range)
    mass_range: tuple[float, ...] = attrs.field(default=(0.0, 1000.0), validator=_range)
    prior_rows: int = attrs.field(default=50_000, validator=positive)
    features: tuple[str, ...] = FEATURES


@attrs.define(frozen=True)
class PcDroidCDConfig(PcDroidConfig):
    """A consistency-distilled PC-Droid student: its teacher's config and how many steps it samples in.

    The authors distil and sample in 3 multistep-consistency steps (arXiv:2307.06836,
    rodem-hep/pcdroid ``paper_models/cd``); 1 to 5 are sensible.
    """

    sample_steps: int = attrs.field(default=3, validator=positive)
