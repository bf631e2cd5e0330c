"""The cylindrical layers: the angle is a ring (rolling it rolls the output), layer and radius are not."""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo_calodiffusion.config import UNetConfig
from hepzoo_calodiffusion.layers import CylindricalConv3d, CylindricalConvTranspose3d, LinearAttention
from hepzoo_calodiffusion.unet import CylindricalUNet, stage_shapes

DS2_EDGES = tuple(4.65 * i for i in range(10))


def _x(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_convolution_wraps_around_the_angle_only():
    torch.manual_seed(0)
    conv = CylindricalConv3d(1, 1, 3, padding=1, bias=False)
    x = torch.zeros(1, 1, 5, 8, 6)
    x[0, 0, 2, 0, 3] = 1.0  # a hit in the first angular bin
    y = conv(x)
    assert y.shape == x.shape
    assert y[0, 0, 2, -1, 3] != 0  # ...reaches the last angular bin (its neighbour on the ring)
    x = torch.zeros(1, 1, 5, 8, 6)
    x[0, 0, 0, 3, 0] = 1.0  # first layer, first radial bin: zero padding, no wrap to the last ones
    y = conv(x)
    assert y[0, 0, -1].abs().sum() == 0 and y[0, 0, :, :, -1].abs().sum() == 0


@pytest.mark.parametrize("shift", [1, 3, -2])
def test_rolling_the_angle_rolls_the_convolution(shift):
    torch.manual_seed(0)
    conv, x = CylindricalConv3d(2, 3, 3, padding=1), _x(2, 2, 5, 8, 6)
    torch.testing.assert_close(conv(x.roll(shift, -2)), conv(x).roll(shift, -2))
    attn = LinearAttention(3, head_dim=4)
    y = _x(2, 3, 5, 8, 6, seed=1)
    torch.testing.assert_close(attn(y.roll(shift, -2)), attn(y).roll(shift, -2), atol=1e-6, rtol=1e-5)


def test_strided_layers_are_equivariant_to_rolls_by_their_stride():
    torch.manual_seed(0)
    down = CylindricalConv3d(2, 2, (3, 4, 4), (2, 2, 2), padding=1)
    up = CylindricalConvTranspose3d(2, 2, (3, 4, 4), (2, 2, 2), 1, (0, 0, 1))
    x = _x(1, 2, 9, 8, 5)
    torch.testing.assert_close(down(x.roll(2, -2)), down(x).roll(1, -2))
    small = _x(1, 2, 5, 4, 2, seed=1)
    assert up(small).shape == (1, 2, 9, 8, 5)
    torch.testing.assert_close(up(small.roll(1, -2)), up(small).roll(2, -2))


@pytest.mark.parametrize("shift", [4, -8])
def test_rolling_the_angle_rolls_the_unet_output(shift):
    """Two stride-2 stages: the whole U-Net commutes with rolls by multiples of 4 angular bins."""
    torch.manual_seed(0)
    unet = CylindricalUNet(UNetConfig(layer_sizes=(8, 8, 8, 16), cond_dim=16), DS2_EDGES, 45, 16).eval()
    x, t, e = _x(2, 1, 45, 16, 9), torch.tensor([0.1, 0.9]), torch.tensor([[0.2], [0.7]])
    with torch.no_grad():
        out = unet(x, t, e)
        torch.testing.assert_close(unet(x.roll(shift, -2), t, e), out.roll(shift, -2), atol=1e-5, rtol=1e-5)
        assert not torch.allclose(unet(x.flip(-1), t, e), out.flip(-1), atol=1e-3)  # radius is no ring


def test_stage_grids_of_the_paper():
    assert stage_shapes((45, 16, 9), 3) == [(45, 16, 9), (23, 8, 4), (12, 4, 2)]
    assert stage_shapes((5, 10, 30), 3) == [(5, 10, 30), (3, 5, 15), (2, 2, 7)]
    assert stage_shapes((45, 16, 9), 2, compress_z=False) == [(45, 16, 9), (45, 8, 4)]
    with pytest.raises(ConfigError, match="too small"):
        stage_shapes((45, 16, 9), 5)


def test_unet_config_is_checked():
    with pytest.raises(ConfigError, match="divisible"):
        UNetConfig(layer_sizes=(16, 12))
    with pytest.raises(ConfigError, match="layer_sizes"):
        UNetConfig(layer_sizes=(16,))
    with pytest.raises(ConfigError, match="cond_dim"):
        UNetConfig(cond_dim=10)
