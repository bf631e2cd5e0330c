"""CaloDiffusion's shower and energy preprocessing, and its inverse with the energy cut.

Amram & Pedro, arXiv:2308.03876 ('logit-norm'): voxel energies divided by ``max_deposit x
E_inc``, then ``logit(alpha + (1 - 2 alpha) u)`` and a fixed standardisation; the incident
energy enters as ``log10(E / e_min) / log10(e_max / e_min)``. Built from the core's ``Logit`` and
``Standardize`` transforms; the constants are buffers, saved with the weights.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from hepzoo.errors import InvalidDataError
from hepzoo.preprocessing import Chain, Logit, Standardize
from hepzoo_calodiffusion.config import ShowerScaling

__all__ = ["ShowerPreprocessing"]


class ShowerPreprocessing(nn.Module):
    """``forward(showers, energy)``: MeV voxels ``[N, V]`` -> network space ``[N, V]``;
    ``inverse(x, energy)``: back to MeV with voxels below the energy cut set to zero."""

    def __init__(self, scaling: ShowerScaling) -> None:
        super().__init__()
        self.scaling = scaling
        self.transform = Chain([Logit(1, scaling.alpha), Standardize(1)])
        standardize = self.transform.steps[1]
        standardize.mean.fill_(scaling.shift)
        standardize.std.fill_(scaling.scale)

    def _deposit_scale(self, energy: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return (self.scaling.max_deposit * torch.as_tensor(energy).to(like).reshape(-1, 1))

    def forward(self, showers: torch.Tensor, energy: torch.Tensor, check: bool = True) -> torch.Tensor:
        """Network-space showers; with ``check`` a fraction outside [0, 1] is one clear error."""
        u = showers / self._deposit_scale(energy, showers)
        if check:
            bad = ~((u >= 0) & (u <= 1))
            if bool(bad.any()):
                raise InvalidDataError(
                    f"{int(bad.sum())} voxels hold a negative energy or more than max_deposit={self.scaling.max_deposit} "
                    "x the incident energy; check that showers and incident_energies are both in MeV"
                )
        return self.transform(u[..., None])[..., 0]

    def inverse(self, x: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
        """MeV voxel energies; those below ``energy_cut`` (negatives included) become 0."""
        u = self.transform.inverse(x[..., None])[..., 0]
        showers = u * self._deposit_scale(energy, u)
        return torch.where(showers < self.scaling.energy_cut, torch.zeros_like(showers), showers)

    def energy_condition(self, energy: torch.Tensor) -> torch.Tensor:
        """``[N, 1]`` scaled log incident energy: 0 at ``e_min``, 1 at ``e_max`` (MeV)."""
        e = torch.as_tensor(energy).double().reshape(-1, 1)
        lo, hi = self.scaling.e_min, self.scaling.e_max
        return (torch.log10(e / lo) / math.log10(hi / lo)).float()
