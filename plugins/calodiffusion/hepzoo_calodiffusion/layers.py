"""The cylindrical U-Net's building blocks (Amram & Pedro, CaloDiffusion, arXiv:2308.03876).

Tensors are ``[B, C, Z, A, R]``: calorimeter layer, angular bin (periodic) and radial bin. A
cylindrical convolution pads the angle circularly and the layer and radius with zeros, so the
network sees a ring of angular bins as the detector does.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "CylindricalConv3d",
    "CylindricalConvTranspose3d",
    "ScalarEmbedding",
    "ResidualBlock",
    "LinearAttention",
]

Size3 = int | tuple[int, int, int]


def _triple(value: Size3) -> tuple[int, int, int]:
    return (value, value, value) if isinstance(value, int) else tuple(value)


def _pad_angle(x: torch.Tensor, pad: int) -> torch.Tensor:
    """Circular padding of ``pad`` bins on both sides of the angular axis (dim -2)."""
    if pad == 0:
        return x
    return F.pad(x, (0, 0, pad, pad, 0, 0), mode="circular")


class CylindricalConv3d(nn.Conv3d):
    """A Conv3d padded circularly in angle and with zeros in layer and radius (arXiv:2308.03876)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size3 = 3, stride: Size3 = 1,
                 padding: Size3 = 0, bias: bool = True) -> None:
        pad_z, pad_a, pad_r = _triple(padding)
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=(pad_z, 0, pad_r), bias=bias)
        self.angle_padding = pad_a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(_pad_angle(x, self.angle_padding))


class CylindricalConvTranspose3d(nn.ConvTranspose3d):
    """Transposed convolution on a ring: circular pad in angle, then crop the wrapped copies away.

    The angle is padded circularly by ``padding`` bins and the transposed convolution's own
    angular padding is ``kernel - 1``, which removes the outputs those copies produce.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size3 = (3, 4, 4),
                 stride: Size3 = 2, padding: Size3 = 1, output_padding: Size3 = 0) -> None:
        kernel = _triple(kernel_size)
        pad_z, pad_a, pad_r = _triple(padding)
        super().__init__(in_channels, out_channels, kernel, stride=stride, padding=(pad_z, kernel[1] - 1, pad_r),
                         output_padding=output_padding)
        self.angle_padding = pad_a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(_pad_angle(x, self.angle_padding))


class ScalarEmbedding(nn.Module):
    """A per-event scalar (noise level, scaled energy) through Linear-GELU-Linear-GELU-Linear."""

    def __init__(self, hidden: int, out: int) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(1, hidden), nn.Linear(hidden, out), nn.Linear(out, out)

    def forward(self, value: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.fc1(value.reshape(-1, 1)))
        return self.fc3(F.gelu(self.fc2(h)))


class ResidualBlock(nn.Module):
    """Two conv-GroupNorm-SiLU stages, the condition added between them, plus a (1x1) skip.

    ``cond_dim`` 0 means unconditioned (the U-Net's output block).
    """

    def __init__(self, in_channels: int, out_channels: int, cond_dim: int = 0, groups: int = 8) -> None:
        super().__init__()
        self.cond_proj = nn.Linear(cond_dim, out_channels) if cond_dim else None
        self.conv1 = CylindricalConv3d(in_channels, out_channels, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, out_channels)
        self.conv2 = CylindricalConv3d(out_channels, out_channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.skip = CylindricalConv3d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = F.silu(self.norm1(self.conv1(x)))
        if self.cond_proj is not None and cond is not None:
            h = h + self.cond_proj(F.silu(cond))[:, :, None, None, None]
        h = F.silu(self.norm2(self.conv2(h)))
        return h + (x if self.skip is None else self.skip(x))


class LinearAttention(nn.Module):
    """Residual, pre-normed linear attention over all voxels (Shen et al. 2018, arXiv:1812.01243).

    Queries are softmaxed over channels and keys over positions, so the ``d x d`` context costs
    O(voxels); CaloDiffusion (arXiv:2308.03876) uses one 32-dim head after every U-Net stage.
    """

    def __init__(self, channels: int, heads: int = 1, head_dim: int = 32) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        hidden = heads * head_dim
        self.norm = nn.GroupNorm(1, channels)
        self.qkv = CylindricalConv3d(channels, 3 * hidden, 1, bias=False)
        self.proj = CylindricalConv3d(hidden, channels, 1)
        self.proj_norm = nn.GroupNorm(1, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, *spatial = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, self.head_dim, -1).unbind(1)
        q = q.softmax(dim=-2) * self.head_dim**-0.5
        k = k.softmax(dim=-1)
        context = torch.einsum("bhdn,bhen->bhde", k, v)
        out = torch.einsum("bhde,bhdn->bhen", context, q).reshape(b, -1, *spatial)
        return x + self.proj_norm(self.proj(out))
