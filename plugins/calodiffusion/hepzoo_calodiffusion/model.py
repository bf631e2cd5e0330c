"""CaloDiffusionModel: the cylindrical U-Net as a DDPM noise predictor on CaloChallenge showers."""

from __future__ import annotations

from typing import ClassVar

import torch

from hepzoo.conditions import Condition
from hepzoo.model import Model
from hepzoo.objectives import DDPMNoisePredictor
from hepzoo.representations import Voxel
from hepzoo_calodiffusion.config import CaloDiffusionConfig
from hepzoo_calodiffusion.glam import GLaM, GLaMUNet
from hepzoo_calodiffusion.preprocessing import ShowerPreprocessing
from hepzoo_calodiffusion.prior import DiscreteEnergyPrior, LogUniformPrior
from hepzoo_calodiffusion.unet import CylindricalUNet

__all__ = ["CaloDiffusionModel"]


class CaloDiffusionModel(Model):
    """CaloDiffusion (Amram & Pedro, arXiv:2308.03876) as a hepzoo model, conditioned on the incident energy.

    The objective is the core's DDPM noise predictor with the cosine schedule (400 steps) and the
    U-Net fed the noise level ``sqrt(1 - abar)``; the default sampler is DDPM's ancestral one
    from t = 397 (the authors' start offset 2), 398 network calls; ``ddim`` or ``dpmpp-2m``
    sample the same law in fewer steps. State dict: ``objective.backbone.*`` (the U-Net) and
    ``preprocessing.*`` (the fixed logit-norm constants). Energies not given are drawn log-uniform between
    the scaling's ``e_min`` and ``e_max`` (1 GeV-1 TeV for datasets 2 and 3), on dataset 1 from its
    fifteen powers of two (``prior.*``: equal weights, or the training showers' frequencies). On dataset 1's irregular layers the backbone is GLaM around
    the U-Net (``objective.backbone.glam.*``, ``objective.backbone.unet.*``) on flat showers;
    give it ``ShowerScaling.published(geometry)`` and ``UNetConfig(angle_channel=True)`` as the authors.
    """

    family: ClassVar[str] = "calodiffusion-unet"
    config_cls: ClassVar[type] = CaloDiffusionConfig
    default_sampler = "ddpm"
    default_batch_size = 100

    def __init__(self, config: CaloDiffusionConfig | None = None) -> None:
        config = config or CaloDiffusionConfig()
        super().__init__(config)
        rep = Voxel.from_geometry(config.geometry)
        self.representation = rep
        if rep.is_regular:
            n_layers, n_alpha, _ = rep.grid_shape
            backbone: torch.nn.Module = CylindricalUNet(config.unet, rep.r_edges[0], n_layers, n_alpha)
        else:
            backbone = GLaMUNet(GLaM(rep.r_edges, rep.n_alpha), config.unet)
        self.objective = DDPMNoisePredictor(backbone, timesteps=config.timesteps, schedule="cosine",
                                            time_input="sigma", start_offset=config.start_offset)
        self.preprocessing = ShowerPreprocessing(config.scaling)
        scaling = config.scaling
        self.conditions = (
            Condition("energy", "MeV", low=scaling.e_min, high=scaling.e_max, description="incident energy"),
        )
        self.prior: DiscreteEnergyPrior | LogUniformPrior = (
            LogUniformPrior("energy", scaling.e_min, scaling.e_max) if not config.geometry.startswith("ds1")
            else DiscreteEnergyPrior("energy")  # dataset 1's fifteen energies; 2 and 3 are log-uniform
        )
        self.default_steps = config.timesteps - config.start_offset

    @property
    def unet(self) -> CylindricalUNet:
        """The noise-predicting U-Net (inside GLaM on irregular geometries)."""
        backbone = self.objective.backbone
        return backbone.unet if isinstance(backbone, GLaMUNet) else backbone

    # -- model space <-> showers -------------------------------------------------------------------
    def event_shape(self, cond: dict[str, torch.Tensor]) -> tuple[int, ...]:
        """``(1, Z, A, R)`` on a regular grid; the flat voxels where GLaM maps irregular layers."""
        if not self.representation.is_regular:
            return (self.representation.n_voxels,)
        return (1, *self.representation.grid_shape)

    def condition_vector(self, cond: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor:
        return self.preprocessing.energy_condition(cond["energy"]).to(device)

    def to_network(self, showers: torch.Tensor, energy: torch.Tensor, check: bool = True) -> torch.Tensor:
        """MeV showers ``[N, V]`` -> network input ``[N, *event_shape]`` (float32)."""
        x = self.preprocessing(torch.as_tensor(showers, dtype=torch.float64), energy, check=check)
        return x.float().reshape(len(x), *self.event_shape({}))

    def postprocess(self, x, mask, cond):
        """Network space -> MeV voxels ``[N, V]`` (inverse in float64, then the energy cut)."""
        energy = torch.as_tensor(cond["energy"]).to(x.device)
        showers = self.preprocessing.to(x.device).inverse(x.double().reshape(len(x), -1), energy)
        return showers.float().cpu().numpy(), None
