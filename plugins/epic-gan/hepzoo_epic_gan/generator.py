"""The EPiC-GAN generator: global + per-particle noise -> a point cloud of any size N."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hepzoo.backbone import Backbone
from hepzoo_epic_gan.buckets import PackedJets
from hepzoo_epic_gan.config import GeneratorConfig
from hepzoo_epic_gan.layers import PACKED_CHUNK, EPiCLayer, wn_linear

__all__ = ["EPiCGenerator"]


class EPiCGenerator(Backbone):
    """Generator of Buhmann, Kasieczka, Thaler (arXiv:2301.08128, Fig. 2).

    Local noise 3->hidden, global noise latent->hidden->latent, then ``layers`` EPiC layers with
    the two embedded inputs skip-added after each, and a linear head hidden->feats per point.
    """

    config_cls = GeneratorConfig

    def __init__(self, config: GeneratorConfig | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.local_in = wn_linear(c.latent_local, c.hidden)
        self.global_in1 = wn_linear(c.latent, c.hidden)
        self.global_in2 = wn_linear(c.hidden, c.latent)
        self.layers = nn.ModuleList(EPiCLayer(c.hidden, c.latent, c.hidden) for _ in range(c.layers))
        self.local_out = wn_linear(c.hidden, c.feats)

    def forward(
        self, z_global: torch.Tensor, z_local: torch.Tensor, return_latent: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """``z_global [B, latent]``, ``z_local [B, N, latent_local]`` -> ``[B, N, feats]``.

        With ``return_latent`` also the global vectors ``[B, 2 + layers, latent]``: the input
        noise, the embedded noise, and the vector after each EPiC layer (after the skip-add).
        """
        points = F.leaky_relu(self.local_in(z_local))
        glob = F.leaky_relu(self.global_in2(F.leaky_relu(self.global_in1(z_global))))
        skip_points, skip_glob = points, glob
        latents = [z_global, glob] if return_latent else None
        for layer in self.layers:
            points, glob = layer(points, glob)
            points = points + skip_points
            glob = glob + skip_glob
            if latents is not None:
                latents.append(glob)
        out = self.local_out(points)
        if latents is not None:
            return out, torch.stack(latents, dim=1)
        return out

    def forward_packed(
        self,
        z_global: torch.Tensor,
        z_local: torch.Tensor,
        jets: PackedJets,
        dtype: torch.dtype = torch.float32,
        chunk: int = PACKED_CHUNK,
    ) -> torch.Tensor:
        """``forward`` on packed jets: ``z_global [B, latent]``, ``z_local [M, latent_local]`` -> ``[M, feats]``.

        Each jet gets what ``forward`` gives it on a dense ``[b, n, ...]`` batch of its multiplicity
        (up to float summation order), computing only its real particles (see ``PackedJets``).
        ``dtype=torch.bfloat16`` runs the per-particle work in bfloat16 (a separate fast path;
        pooling and the global vectors stay float32); the output is float32.
        """
        points = F.leaky_relu(self.local_in(z_local), inplace=True).to(dtype)
        glob = F.leaky_relu(self.global_in2(F.leaky_relu(self.global_in1(z_global))))
        skip_points, skip_glob = points, glob
        sums, spare = None, [torch.empty_like(points), torch.empty_like(points)]
        for i, layer in enumerate(self.layers):
            points, glob, sums = layer.forward_packed(
                points, glob, jets, sums, skip=skip_points, out=spare[i % 2], chunk=chunk
            )
            glob = glob + skip_glob
        return F.linear(points, self.local_out.weight.to(dtype), self.local_out.bias.to(dtype)).float()
