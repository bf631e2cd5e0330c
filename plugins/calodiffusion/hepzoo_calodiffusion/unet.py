"""CaloDiffusion's conditional cylindrical 3D U-Net (Amram & Pedro, arXiv:2308.03876).

The shower ``[B, 1, Z, A, R]`` gets the geometry images (radius, layer) as extra channels, goes
through a stem convolution, stages of two residual blocks and linear attention that halve the
grid (layers too with ``compress_z``), a middle block, the mirrored up path with skip
connections, and an unconditioned residual block plus a 1x1 convolution. Every residual block
adds the concatenated embeddings of the noise level and the incident energy.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo_calodiffusion.config import UNetConfig
from hepzoo_calodiffusion.layers import (
    CylindricalConv3d,
    CylindricalConvTranspose3d,
    LinearAttention,
    ResidualBlock,
    ScalarEmbedding,
)

__all__ = ["CylindricalUNet", "geometry_images", "stage_shapes"]

DOWN_KERNEL = (3, 4, 4)


def geometry_images(r_edges, n_layers: int, n_alpha: int, angle: bool = False) -> torch.Tensor:
    """``[C, Z, A, R]`` images: radial bin centre / last centre, layer / n_layers (, angle in [0, 1]).

    As CaloDiffusion forms them (arXiv:2308.03876): the layer image runs from 0 to (Z-1)/Z.
    """
    edges = np.asarray(r_edges, dtype=np.float64)
    centres = 0.5 * (edges[1:] + edges[:-1])
    radius = torch.as_tensor(centres / centres[-1], dtype=torch.float32)
    layer = torch.arange(n_layers, dtype=torch.float32) / n_layers
    shape = (n_layers, n_alpha, len(centres))
    images = [radius.expand(shape), layer[:, None, None].expand(shape)]
    if angle:
        images.append(torch.linspace(0, 1, n_alpha)[None, :, None].expand(shape))
    return torch.stack(images).contiguous()


def _down(n: int, kernel: int, stride: int) -> int:
    """Size after a convolution with padding 1."""
    return (n + 2 - kernel) // stride + 1


def stage_shapes(grid: tuple[int, int, int], stages: int, compress_z: bool = True) -> list[tuple[int, int, int]]:
    """The grid of every U-Net stage: each but the last is downsampled by the (3, 4, 4) convolution."""
    shapes = [tuple(grid)]
    for _ in range(stages - 1):
        z, a, r = shapes[-1]
        shapes.append((_down(z, 3, 2 if compress_z else 1), _down(a, 4, 2), _down(r, 4, 2)))
    if any(min(s) < 1 for s in shapes):
        raise ConfigError(f"a grid of {tuple(grid)} is too small for {stages} U-Net stages; use fewer layer_sizes")
    return shapes


def _output_padding(small, big, stride) -> tuple[int, int, int]:
    """What the (3, 4, 4) transposed convolution must add to grow ``small`` back to ``big``."""
    grown = ((small[0] - 1) * stride[0] - 2 + 3, 2 * small[1], 2 * small[2])
    pad = tuple(b - g for b, g in zip(big, grown))
    if any(p < 0 or p >= s for p, s in zip(pad, stride)):
        raise ConfigError(f"cannot upsample {small} back to {big}; pick another grid or layer_sizes")
    return pad


class _Stage(nn.Module):
    """Two residual blocks, optional attention, optional resampling."""

    def __init__(self, c_in: int, c_out: int, cfg: UNetConfig, attention: bool, resample: nn.Module | None) -> None:
        super().__init__()
        self.res1 = ResidualBlock(c_in, c_out, cfg.cond_dim, cfg.groups)
        self.res2 = ResidualBlock(c_out, c_out, cfg.cond_dim, cfg.groups)
        self.attn = LinearAttention(c_out, cfg.attention_heads, cfg.attention_dim) if attention else None
        self.resample = resample

    def blocks(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = self.res2(self.res1(x, cond), cond)
        return x if self.attn is None else self.attn(x)


class _Middle(nn.Module):
    def __init__(self, channels: int, cfg: UNetConfig) -> None:
        super().__init__()
        self.res1 = ResidualBlock(channels, channels, cfg.cond_dim, cfg.groups)
        self.attn = LinearAttention(channels, cfg.attention_heads, cfg.attention_dim) if cfg.mid_attention else None
        self.res2 = ResidualBlock(channels, channels, cfg.cond_dim, cfg.groups)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = self.res1(x, cond)
        return self.res2(x if self.attn is None else self.attn(x), cond)


class _Head(nn.Module):
    def __init__(self, channels: int, cfg: UNetConfig) -> None:
        super().__init__()
        self.res = ResidualBlock(channels, channels, 0, cfg.groups)
        self.out = CylindricalConv3d(channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.res(x))


class CylindricalUNet(nn.Module):
    """The backbone ``backbone(x, t, cond, mask) -> eps``: ``x`` ``[B, 1, Z, A, R]`` (preprocessed
    shower), ``t`` ``[B]`` the noise level ``sqrt(1 - abar)``, ``cond`` ``[B, 1]`` the scaled energy.

    ``geometry`` is ``(r_edges, n_layers, n_alpha)`` of a regular calorimeter grid; the images it
    defines are buffers rebuilt from it (not weights).
    """

    def __init__(self, cfg: UNetConfig, r_edges, n_layers: int, n_alpha: int) -> None:
        super().__init__()
        self.config = cfg
        sizes = cfg.layer_sizes
        grid = (int(n_layers), int(n_alpha), len(r_edges) - 1)
        stages = len(sizes) - 1
        shapes = stage_shapes(grid, stages, cfg.compress_z)
        stride = (2 if cfg.compress_z else 1, 2, 2)
        if cfg.geometry_channels:
            images = geometry_images(r_edges, grid[0], grid[1], cfg.angle_channel)
            self.register_buffer("images", images, persistent=False)
        else:
            self.images = None
        half = cfg.cond_dim // 2
        self.stem = CylindricalConv3d(cfg.in_channels, sizes[0], 3, padding=1)
        self.time_embed = ScalarEmbedding(cfg.cond_dim // 4, half)
        self.energy_embed = ScalarEmbedding(cfg.cond_dim // 4, half)
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.down = nn.ModuleList(
            _Stage(c_in, c_out, cfg, cfg.block_attention,
                   CylindricalConv3d(c_out, c_out, DOWN_KERNEL, stride, padding=1) if i < stages - 1 else None)
            for i, (c_in, c_out) in enumerate(pairs)
        )
        self.middle = _Middle(sizes[-1], cfg)
        ups = []
        for i, (c_in, c_out) in enumerate(reversed(pairs)):
            level = stages - 1 - i  # the stage whose skip this one takes
            resample = None
            if level > 0:
                pad = _output_padding(shapes[level], shapes[level - 1], stride)
                resample = CylindricalConvTranspose3d(c_in, c_in, DOWN_KERNEL, stride, 1, pad)
            ups.append(_Stage(2 * c_out, c_in, cfg, cfg.block_attention, resample))
        self.up = nn.ModuleList(ups)
        self.head = _Head(sizes[0], cfg)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        if cond is None:
            raise ConfigError("CaloDiffusion's U-Net needs the scaled incident energy as cond [B, 1]")
        if self.images is not None:
            x = torch.cat([x, self.images.to(x.dtype).expand(x.shape[0], *self.images.shape)], dim=1)
        return self.unet(x, t, cond.reshape(-1))

    def unet(self, x: torch.Tensor, time: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
        """The network on inputs that already carry the geometry channels; ``time``, ``energy`` ``[B]``."""
        cond = torch.cat([self.time_embed(time), self.energy_embed(energy)], dim=-1)
        x = self.stem(x)
        skips = []
        for stage in self.down:
            x = stage.blocks(x, cond)
            skips.append(x)
            if stage.resample is not None:
                x = stage.resample(x)
        x = self.middle(x, cond)
        for stage in self.up:
            x = stage.blocks(torch.cat([x, skips.pop()], dim=1), cond)
            if stage.resample is not None:
                x = stage.resample(x)
        return self.head(x)
