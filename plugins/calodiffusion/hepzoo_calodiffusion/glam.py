"""GLaM: CaloDiffusion's learned map of irregular calorimeter layers onto one regular grid.

Amram & Pedro, arXiv:2308.03876 (dataset 1): every layer's radial bins are mapped by a bias-free
linear layer onto the union of all layers' radial edges, initialised to the share of each bin's
area (r^2) that falls into each finer bin; the decoder starts as its pseudo-inverse. Layers with
one angular bin are spread evenly over the grid's angular bins (and summed back on decoding).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hepzoo_calodiffusion.config import UNetConfig
from hepzoo_calodiffusion.unet import CylindricalUNet

__all__ = ["GLaM", "GLaMUNet", "union_edges", "area_overlap"]


def union_edges(r_edges) -> np.ndarray:
    """The sorted union of every layer's radial bin edges (the regular grid's radial bins)."""
    return np.unique(np.concatenate([np.asarray(e, dtype=np.float64) for e in r_edges]))


def area_overlap(coarse, fine) -> np.ndarray:
    """``[len(fine) - 1, len(coarse) - 1]``: share of each coarse ring's area inside each fine ring."""
    coarse, fine = np.asarray(coarse, dtype=np.float64), np.asarray(fine, dtype=np.float64)
    lo = np.maximum(fine[:-1, None], coarse[None, :-1])
    hi = np.minimum(fine[1:, None], coarse[None, 1:])
    shared = np.clip(hi**2 - lo**2, 0, None) * (hi > lo)
    return shared / (coarse[1:] ** 2 - coarse[:-1] ** 2)[None, :]


class GLaM(nn.Module):
    """``encode`` flat showers ``[B, V]`` -> ``[B, 1, Z, A, R_union]``; ``decode`` back to ``[B, V]``.

    ``r_edges``/``n_alpha`` per (non-empty) layer, flat voxel order (layer, alpha, r), r fastest.
    """

    def __init__(self, r_edges, n_alpha, init_noise: float = 1e-5) -> None:
        super().__init__()
        self.n_alpha = tuple(int(a) for a in n_alpha)
        self.n_r = tuple(len(e) - 1 for e in r_edges)
        self.grid_alpha = max(self.n_alpha)
        edges = union_edges(r_edges)
        self.register_buffer("edges", torch.as_tensor(edges, dtype=torch.float64), persistent=False)
        n_fine = len(edges) - 1
        self.encoders = nn.ModuleList(nn.Linear(n, n_fine, bias=False) for n in self.n_r)
        self.decoders = nn.ModuleList(nn.Linear(n_fine, n, bias=False) for n in self.n_r)
        with torch.no_grad():
            for layer_edges, enc, dec in zip(r_edges, self.encoders, self.decoders):
                split = torch.as_tensor(area_overlap(layer_edges, edges), dtype=torch.float32)
                enc.weight.copy_(split + init_noise * torch.randn_like(split))
                inverse = torch.linalg.pinv(enc.weight.double()).float()
                dec.weight.copy_(inverse + init_noise * torch.randn_like(inverse))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        layers, start = [], 0
        for n_a, n_r, enc in zip(self.n_alpha, self.n_r, self.encoders):
            block = enc(x[:, start : start + n_a * n_r].reshape(len(x), n_a, n_r))
            start += n_a * n_r
            if n_a == 1:
                block = block.expand(-1, self.grid_alpha, -1) / self.grid_alpha
            layers.append(block)
        return torch.stack(layers, dim=1)[:, None]

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        out = []
        for i, (n_a, dec) in enumerate(zip(self.n_alpha, self.decoders)):
            block = dec(x[:, 0, i])
            if n_a == 1:
                block = block.sum(dim=1, keepdim=True)
            out.append(block.reshape(len(x), -1))
        return torch.cat(out, dim=1)


class GLaMUNet(nn.Module):
    """The dataset-1 backbone: GLaM onto the union grid, the cylindrical U-Net there, GLaM back.

    ``backbone(x [B, V], t, cond) -> [B, V]``: the authors' ``pred`` with an ``orig-NN`` embedding.
    """

    def __init__(self, glam: GLaM, cfg: UNetConfig) -> None:
        super().__init__()
        self.glam = glam
        edges = glam.edges.numpy()
        self.unet = CylindricalUNet(cfg, edges, len(glam.n_r), glam.grid_alpha)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.glam.decode(self.unet(self.glam.encode(x), t, cond))
