"""The mean-field block: masked dense == packed == each jet alone; linear in N; weight-normalised critic."""

from __future__ import annotations

import pytest
import torch

from hepzoo.data import PackedJets
from hepzoo.masking import mask_from_counts
from hepzoo_mdma.config import CriticConfig, GeneratorConfig, VelocityConfig
from hepzoo_mdma.layers import MeanFieldBlock, NormalizedLinear
from hepzoo_mdma.networks import MDMACritic, MDMAGenerator, MDMAVelocity


def _clouds(counts, p=9, f=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.as_tensor(mask_from_counts(torch.tensor(counts), p))
    return torch.randn(len(counts), p, f, generator=g) * mask[..., None], mask


def test_padding_does_not_change_real_particles_and_packed_agrees():
    torch.manual_seed(0)
    block = MeanFieldBlock(embed=8, hidden=16, heads=4, cond_dim=2)
    x, mask = _clouds([2, 9, 5], f=8)
    token, cond = torch.randn(3, 8), torch.randn(3, 2)
    dense_x, dense_t = block(x, token, cond, mask)
    for j, n in enumerate(mask.sum(1).tolist()):
        alone_x, alone_t = block(x[j : j + 1, :n], token[j : j + 1], cond[j : j + 1])
        torch.testing.assert_close(dense_x[j, :n], alone_x[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(dense_t[j], alone_t[0], atol=1e-5, rtol=1e-5)
    garbage = x + 100.0 * (~mask)[..., None]  # padding never reaches a real particle or the token
    torch.testing.assert_close(block(garbage, token, cond, mask)[1], dense_t)
    jets = PackedJets.from_mask(mask)
    packed_x, packed_t = block.forward_packed(x[mask], token, cond, jets)
    torch.testing.assert_close(packed_x, dense_x[mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(packed_t, dense_t, atol=1e-5, rtol=1e-5)


def test_networks_packed_equals_dense_masked():
    torch.manual_seed(1)
    gen, vel = MDMAGenerator(GeneratorConfig(hidden=16, heads=4, layers=2)), MDMAVelocity(
        VelocityConfig(hidden=16, heads=4, layers=2))
    gen.avg_n.fill_(5.0), vel.avg_n.fill_(5.0)
    z, mask = _clouds([1, 4, 9, 7])
    jets = PackedJets.from_mask(mask)
    torch.testing.assert_close(PackedJets.unpack(gen.forward_packed(z[mask], jets), mask), gen(z, mask=mask),
                               atol=1e-5, rtol=1e-5)
    t = torch.rand(4)
    torch.testing.assert_close(PackedJets.unpack(vel.forward_packed(z[mask], t, jets), mask), vel(z, t, mask=mask),
                               atol=1e-5, rtol=1e-5)
    assert (gen(z, mask=mask)[~mask] == 0).all()


def test_the_mean_field_depends_on_multiplicity_through_n_over_mean_n():
    torch.manual_seed(2)
    gen = MDMAGenerator(GeneratorConfig(hidden=16, heads=4, layers=1))
    z = torch.randn(2, 6, 3)
    gen.avg_n.fill_(6.0)
    a = gen(z)
    gen.avg_n.fill_(3.0)
    assert not torch.allclose(a, gen(z))


def test_critic_is_weight_normalised_and_returns_its_mean_field():
    torch.manual_seed(3)
    critic = MDMACritic(CriticConfig(hidden=16, heads=4))
    x, mask = _clouds([3, 9])
    score, mean_field = critic(x, mask)
    assert score.shape == (2, 1) and mean_field.shape == (2, 16)
    layer = NormalizedLinear(4, 3)
    inp = torch.randn(5, 4)
    before = layer(inp)
    with torch.no_grad():
        layer.weight.mul_(7.0)  # a rescaled weight gives the same map
    torch.testing.assert_close(layer(inp), before)
    names = {n for n, _ in critic.named_parameters()}
    assert "blocks.0.attn.q.parametrizations.weight.original0" in names


def test_cost_is_linear_in_the_number_of_particles():
    """Four times the particles cost four times the generator's floating-point work, not sixteen (counted, not timed)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    gen = MDMAGenerator(GeneratorConfig()).eval()

    def flops(n):
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:  # the math kernel's matmuls are counted
            gen(torch.randn(4, n, 3))
        return counter.get_total_flops()

    assert flops(800) / flops(200) == pytest.approx(4.0, rel=0.02)  # quadratic attention would give ~16
