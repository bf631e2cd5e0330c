"""attrs configs of CaloDiffusion's U-Net, preprocessing and diffusion (JSON via hepzoo.config).

Defaults are the paper's dataset-2 configuration (Amram & Pedro, arXiv:2308.03876;
``configs/config_dataset2.json`` of the authors' code).
"""

from __future__ import annotations

import attrs

from hepzoo.config import finite_float32, positive, positive_float32
from hepzoo.errors import ConfigError

__all__ = ["UNetConfig", "ShowerScaling", "CaloDiffusionConfig", "PUBLISHED_SCALING"]

# The authors' per-dataset constants (CaloDiffusionPaper consts.py and configs), energies in MeV.
_DS1 = {"max_deposit": 3.1, "e_min": 256.0, "e_max": 4_194_304.0, "energy_cut": 1e-4}
PUBLISHED_SCALING = {
    "ds1-photons": {**_DS1, "shift": -9.9807, "scale": 3.14168},
    "ds1-pions": {**_DS1, "shift": -11.7610, "scale": 2.84317},
    "ds2": {},
    "ds3": {"shift": -13.4753, "scale": 1.1070},
}




@attrs.define(frozen=True)
class UNetConfig:
    """The cylindrical U-Net: channels per stage, GroupNorm groups, attention, layer compression.

    ``layer_sizes`` [c0, c1, ..., cL] gives the stem width c0 and L stages (c_{i-1} -> c_i); every
    stage but the last halves the grid. ``cond_dim`` is the width of the concatenated noise-level
    and energy embeddings (each ``cond_dim // 2`` wide, hidden ``cond_dim // 4``).
    ``geometry_channels`` adds the R and Z images (and with ``angle_channel`` the angle image).
    """

    layer_sizes: tuple[int, ...] = attrs.field(default=(16, 16, 16, 32), converter=tuple)
    cond_dim: int = attrs.field(default=128, validator=positive)
    groups: int = attrs.field(default=8, validator=positive)
    block_attention: bool = True
    mid_attention: bool = True
    attention_heads: int = attrs.field(default=1, validator=positive)
    attention_dim: int = attrs.field(default=32, validator=positive)
    compress_z: bool = True
    geometry_channels: bool = True
    angle_channel: bool = False

    def __attrs_post_init__(self) -> None:
        sizes = self.layer_sizes
        if len(sizes) < 2 or any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in sizes):
            raise ConfigError(f"layer_sizes needs >= 2 positive channel counts, got {list(sizes)}")
        bad = [c for c in sizes if c % self.groups]
        if bad:
            raise ConfigError(f"GroupNorm with {self.groups} groups needs channels divisible by it; {bad} are not")
        if self.cond_dim < 4 or self.cond_dim % 4:
            raise ConfigError(f"cond_dim must be a positive multiple of 4, got {self.cond_dim}")

    @property
    def in_channels(self) -> int:
        """Shower plus the geometry images."""
        return 1 + (2 if self.geometry_channels else 0) + (1 if self.angle_channel else 0)


@attrs.define(frozen=True)
class ShowerScaling:
    """CaloDiffusion's 'logit-norm' shower map and its energy condition (arXiv:2308.03876).

    ``u = E_voxel / (max_deposit * E_inc)``, ``x = (logit(alpha + (1 - 2 alpha) u) - shift) / scale``;
    the condition is ``log10(E_inc / e_min) / log10(e_max / e_min)``. Energies in MeV. Generated
    voxels below ``energy_cut`` are zeroed (the authors' ECUT, 15.1 keV for dataset 2).
    """

    max_deposit: float = attrs.field(default=2.0, validator=positive_float32)
    alpha: float = attrs.field(default=1e-6, validator=finite_float32)
    shift: float = attrs.field(default=-12.8564, validator=finite_float32)
    scale: float = attrs.field(default=1.9123, validator=positive_float32)
    e_min: float = attrs.field(default=1_000.0, validator=positive_float32)
    e_max: float = attrs.field(default=1_000_000.0, validator=positive_float32)
    energy_cut: float = attrs.field(default=0.0151, validator=finite_float32)

    @classmethod
    def published(cls, geometry: str) -> ShowerScaling:
        """The authors' constants for a CaloChallenge geometry ('ds1-photons', 'ds1-pions', 'ds2', 'ds3')."""
        if geometry not in PUBLISHED_SCALING:
            raise ConfigError(f"no published CaloDiffusion constants for {geometry!r}; use one of {sorted(PUBLISHED_SCALING)}")
        return cls(**PUBLISHED_SCALING[geometry])

    def __attrs_post_init__(self) -> None:
        if not self.e_min < self.e_max:
            raise ConfigError(f"need e_min < e_max (MeV), got {self.e_min} and {self.e_max}")
        if not 0 < self.alpha < 0.5:
            raise ConfigError(f"alpha must lie in (0, 0.5), got {self.alpha}")
        if self.energy_cut < 0:
            raise ConfigError(f"energy_cut must be >= 0 MeV, got {self.energy_cut}")


@attrs.define(frozen=True)
class CaloDiffusionConfig:
    """A CaloDiffusion model: geometry, U-Net, shower scaling and the DDPM schedule.

    Cosine schedule with ``timesteps`` steps, noise prediction, the U-Net's time input the VP
    noise level ``sqrt(1 - abar)``; sampling starts ``start_offset`` steps below the last
    timestep (the authors' ``sample_offset``: 2 for datasets 1 and 2).
    """

    geometry: str = "ds2"
    unet: UNetConfig = attrs.field(factory=UNetConfig)
    scaling: ShowerScaling = attrs.field(factory=ShowerScaling)
    timesteps: int = 400
    start_offset: int = 2
