"""The EPiC-GAN critic: a permutation-invariant score of a point cloud (training only)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hepzoo.backbone import Backbone
from hepzoo_epic_gan.config import CriticConfig
from hepzoo_epic_gan.layers import EPiCLayer, wn_linear

__all__ = ["EPiCCritic"]


class EPiCCritic(Backbone):
    """Discriminator of Buhmann, Kasieczka, Thaler (arXiv:2301.08128, Fig. 2); unbounded score.

    Local 3->hidden->hidden (residual), global from ``[mean, sum]`` -> hidden -> latent, ``layers``
    EPiC layers, then ``[mean, sum, global]`` -> hidden -> hidden (residual) -> 1.
    """

    config_cls = CriticConfig

    def __init__(self, config: CriticConfig | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.local_in1 = wn_linear(c.feats, c.hidden)
        self.local_in2 = wn_linear(c.hidden, c.hidden)
        self.global_in1 = wn_linear(2 * c.hidden, c.hidden)
        self.global_in2 = wn_linear(c.hidden, c.latent)
        self.layers = nn.ModuleList(EPiCLayer(c.hidden, c.latent, c.hidden) for _ in range(c.layers))
        self.head1 = wn_linear(2 * c.hidden + c.latent, c.hidden)
        self.head2 = wn_linear(c.hidden, c.hidden)
        self.head3 = wn_linear(c.hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x [B, N, feats]`` (normalised) -> ``[B, 1]``."""
        points = F.leaky_relu(self.local_in1(x))
        points = F.leaky_relu(self.local_in2(points) + points)
        glob = F.leaky_relu(self.global_in1(torch.cat([points.mean(1), points.sum(1)], dim=-1)))
        glob = F.leaky_relu(self.global_in2(glob))
        for layer in self.layers:
            points, glob = layer(points, glob)
        h = F.leaky_relu(self.head1(torch.cat([points.mean(1), points.sum(1), glob], dim=-1)))
        h = F.leaky_relu(self.head2(h) + h)
        return self.head3(h)
