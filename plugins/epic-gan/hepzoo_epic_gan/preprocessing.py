"""EPiC-GAN's fitted normalisation and jet post-processing, in the authors' [pT, eta, phi] order.

Buhmann, Kasieczka, Thaler (arXiv:2301.08128): features are standardised on the real (non-zero)
particles to a width of ``norm_sigma`` (5); generated jets are de-normalised, re-centred on the
jet axis (summed massless 4-vectors), ordered by pT, and pT below the training minimum is raised
to it.
"""

from __future__ import annotations

import torch

from hepzoo.preprocessing import Standardize

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


class JetNormaliser(Standardize):
    """hepzoo's Standardize with the authors' width 5 and the training minimum pT.

    Buffers (in the state dict): ``mean [3]``, ``std [3]`` in the authors' [pT, eta, phi] order,
    and ``pt_min`` (scalar).
    """

    def __init__(self, norm_sigma: float = 5.0) -> None:
        super().__init__(3, scale=norm_sigma)
        self.register_buffer("pt_min", torch.zeros(()))

    @torch.no_grad()
    def fit(self, points: torch.Tensor, mask: torch.Tensor | None = None) -> JetNormaliser:
        """Fit on the real particles ``points [M, 3]`` in the authors' order."""
        super().fit(points, mask)
        pt = torch.as_tensor(points)[..., 0]
        self.pt_min.copy_(pt[pt > 0].min().float())
        return self

    def set_constants(self, mean, std, pt_min: float) -> JetNormaliser:
        """Set the authors' hard-coded constants (mean/std in [pT, eta, phi] order)."""
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.as_tensor(std, dtype=torch.float32))
        self.pt_min.fill_(float(pt_min))
        return self

    def postprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Generated ``[B, n, 3]`` network output -> physical jets: de-normalise, centre, sort, clamp pT."""
        x = center_jets(self.inverse(x.float()))
        order = torch.argsort(x[..., 0], dim=1, descending=True)
        x = torch.gather(x, 1, order.unsqueeze(-1).expand_as(x))
        pt = x[..., 0]
        pt = torch.where((pt < self.pt_min) & (pt != 0), self.pt_min.to(pt.dtype), pt)
        return torch.cat([pt.unsqueeze(-1), x[..., 1:]], dim=-1)
