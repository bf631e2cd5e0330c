"""EPiC-GAN's fitted normalisation and jet post-processing, in the authors' [pT, eta, phi] order.

Buhmann, Kasieczka, Thaler (arXiv:2301.08128): features are standardised on the real (non-zero)
particles to a width of ``norm_sigma`` (5); generated jets are de-normalised, re-centred on the
jet axis (summed massless 4-vectors), ordered by pT, and pT below the training minimum is raised
to it.
"""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.errors import InvalidDataError

__all__ = ["to_authors", "from_authors", "jet_axis", "center_jets", "JetNormaliser"]

_TO_AUTHORS = [2, 0, 1]  # (eta, phi, pt) -> (pt, eta, phi)
_FROM_AUTHORS = [1, 2, 0]  # (pt, eta, phi) -> (eta, phi, pt)


def to_authors(x: torch.Tensor) -> torch.Tensor:
    """hepzoo order (eta_rel, phi_rel, pt_rel) -> the authors' (pt_rel, eta_rel, phi_rel)."""
    return x[..., _TO_AUTHORS]


def from_authors(x: torch.Tensor) -> torch.Tensor:
    """The authors' (pt_rel, eta_rel, phi_rel) -> hepzoo order (eta_rel, phi_rel, pt_rel)."""
    return x[..., _FROM_AUTHORS]


def jet_axis(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pseudorapidity and azimuth ``[B]`` of the summed massless 4-vectors of ``x [B, N, (pt, eta, phi)]``."""
    pt, eta, phi = x[..., 0], x[..., 1], x[..., 2]
    px = (pt * torch.cos(phi)).sum(1)
    py = (pt * torch.sin(phi)).sum(1)
    pz = (pt * torch.sinh(eta)).sum(1)
    return torch.asinh(pz / torch.hypot(px, py).clamp_min(1e-30)), torch.atan2(py, px)


def center_jets(x: torch.Tensor) -> torch.Tensor:
    """Shift eta/phi of particles with pT > 0 so the jet axis is at (0, 0) (the authors' rule)."""
    eta, phi = jet_axis(x)
    real = (x[..., 0] > 0).to(x.dtype)
    shift = torch.stack([torch.zeros_like(eta), eta, phi], dim=-1)
    return x - shift.unsqueeze(1) * real.unsqueeze(-1)


class JetNormaliser(nn.Module):
    """Per-feature mean/std over real particles (std scaled to ``1/norm_sigma``) and the training min pT.

    Buffers (in the state dict): ``mean [3]``, ``std [3]`` in the authors' [pT, eta, phi] order,
    and ``pt_min`` (scalar).
    """

    def __init__(self, norm_sigma: float = 5.0) -> None:
        super().__init__()
        self.norm_sigma = float(norm_sigma)
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("std", torch.ones(3))
        self.register_buffer("pt_min", torch.zeros(()))

    @torch.no_grad()
    def fit(self, points: torch.Tensor) -> JetNormaliser:
        """Fit on the real particles ``points [M, 3]`` in the authors' order."""
        if points.ndim != 2 or points.shape[1] != 3 or len(points) < 2:
            raise InvalidDataError(f"need at least 2 particles as [M, 3] to fit, got {tuple(points.shape)}")
        points = points.double()
        self.mean.copy_(points.mean(0).float())
        self.std.copy_(points.std(0).clamp_min(1e-12).float())
        self.pt_min.copy_(points[:, 0][points[:, 0] > 0].min().float())
        return self

    def set_constants(self, mean, std, pt_min: float) -> JetNormaliser:
        """Set the authors' hard-coded constants (mean/std in [pT, eta, phi] order)."""
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.as_tensor(std, dtype=torch.float32))
        self.pt_min.fill_(float(pt_min))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Physical (authors' order) -> normalised network space."""
        return (x - self.mean) / (self.std / self.norm_sigma)

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Network space -> physical (authors' order)."""
        return x * (self.std / self.norm_sigma) + self.mean

    def postprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Generated ``[B, n, 3]`` network output -> physical jets: de-normalise, centre, sort, clamp pT."""
        x = center_jets(self.inverse(x.float()))
        order = torch.argsort(x[..., 0], dim=1, descending=True)
        x = torch.gather(x, 1, order.unsqueeze(-1).expand_as(x))
        pt = x[..., 0]
        pt = torch.where((pt < self.pt_min) & (pt != 0), self.pt_min.to(pt.dtype), pt)
        return torch.cat([pt.unsqueeze(-1), x[..., 1:]], dim=-1)
