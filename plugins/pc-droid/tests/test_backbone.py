"""The PC-Droid network: padding never reaches real particles, permutation equivariance, zero-initialised head."""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.masking import mask_from_counts
from hepzoo_pc_droid.backbone import PcDroidTransformer
from hepzoo_pc_droid.config import BackboneConfig, PcDroidConfig, cae_backbone, full_backbone

ATTENTIONS = ("cross", "full")


def _net(attention: str) -> PcDroidTransformer:
    torch.manual_seed(0)
    net = PcDroidTransformer(BackboneConfig(attention=attention, model_dim=16, layers=2, heads=4, ff_hidden=32,
                                            tokens=4, context_dim=16)).eval()
    torch.nn.init.normal_(net.head.out.weight, std=0.5)  # the zero-initialised head would hide everything
    return net


def _inputs(b: int = 6, p: int = 10, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    counts = torch.tensor([1, 3, 10, 5, 7, 2])[:b]
    mask = mask_from_counts(counts, p)
    x = torch.randn(b, p, 3, generator=g) * mask[..., None]
    sigma = torch.exp(torch.randn(b, generator=g))
    cond = torch.randn(b, 9, generator=g)
    return x, sigma, cond, mask


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padded_particles_never_change_real_outputs(attention):
    net = _net(attention)
    x, sigma, cond, mask = _inputs()
    with torch.no_grad():
        out = net(x, sigma, cond, mask)
        garbage = torch.where(mask[..., None], x, 1e3 * torch.randn(x.shape, generator=torch.Generator().manual_seed(3)))
        out2 = net(garbage, sigma, cond, mask)
    assert torch.equal(out[mask], out2[mask])  # bit for bit
    assert (out[~mask] == 0).all() and (out2[~mask] == 0).all()
    assert out[mask].abs().sum() > 0


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_outputs_are_permutation_equivariant(attention):
    net = _net(attention)
    x, sigma, cond, mask = _inputs()
    mask = torch.ones_like(mask)  # permute every slot of fully occupied jets
    x = torch.randn(x.shape, generator=torch.Generator().manual_seed(4))
    perm = torch.randperm(x.shape[1], generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        out = net(x, sigma, cond, mask)
        out_perm = net(x[:, perm], sigma, cond, mask[:, perm])
    torch.testing.assert_close(out_perm, out[:, perm], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_outputs_depend_on_noise_level_and_conditions(attention):
    net = _net(attention)
    x, sigma, cond, mask = _inputs()
    with torch.no_grad():
        out = net(x, sigma, cond, mask)
        assert not torch.allclose(out, net(x, sigma * 2, cond, mask))
        assert not torch.allclose(out, net(x, sigma, cond + 1, mask))


def test_head_starts_at_zero():
    net = PcDroidTransformer(cae_backbone())
    x, sigma, cond, mask = _inputs()
    assert (net(x, sigma, cond, mask) == 0).all()


def test_only_the_cae_has_global_tokens():
    cae, full = PcDroidTransformer(cae_backbone()), PcDroidTransformer(full_backbone())
    assert tuple(cae.tokens.shape) == (1, 16, 64) and full.tokens is None
    assert cae.num_parameters() < full.num_parameters()


def test_authors_sizes_are_the_defaults():
    cae, full = cae_backbone(), full_backbone()
    assert (cae.model_dim, cae.layers, cae.heads, cae.ff_hidden, cae.tokens) == (64, 3, 8, 256, 16)
    assert (full.model_dim, full.layers, full.heads, full.ff_hidden) == (256, 3, 16, 512)
    assert PcDroidConfig().backbone == cae
    c = PcDroidConfig()
    assert (c.sigma_min, c.sigma_max, c.rho, c.p_mean, c.p_std, c.sigma_data) == (1e-5, 80.0, 7.0, -1.2, 1.2, 1.0)


def test_bad_backbone_configs_are_refused():
    with pytest.raises(ConfigError, match="attention"):
        BackboneConfig(attention="sparse")
    with pytest.raises(ConfigError, match="divisible"):
        BackboneConfig(model_dim=30, heads=8)
    with pytest.raises(ConfigError, match="positive"):
        BackboneConfig(layers=0)


def test_attention_runs_in_float32_under_cpu_bf16_autocast():
    """Under CPU bf16 autocast the attention is float32 on the bf16 projections (same to bf16 rounding); eager fp32 unchanged."""
    from torch.nn import functional as F

    from hepzoo_pc_droid.layers import Attention

    torch.manual_seed(0)
    attn = Attention(16, 4)
    q_in, kv_in = torch.randn(3, 5, 16), torch.randn(3, 7, 16)
    key_mask = mask_from_counts(torch.tensor([7, 2, 4]), 7)
    calls, sdpa = [], F.scaled_dot_product_attention

    def spy(q, k, v, attn_mask=None):
        calls.append(q.dtype)
        return sdpa(q, k, v, attn_mask=attn_mask)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("hepzoo_pc_droid.layers.F.scaled_dot_product_attention", spy)
        plain = attn(q_in, kv_in, key_mask)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = attn(q_in, kv_in, key_mask)
    assert calls == [torch.float32, torch.float32] and mixed.dtype == torch.float32
    torch.testing.assert_close(mixed, plain, rtol=0.05, atol=0.05)
    assert not torch.equal(mixed, plain)  # the projections did run in bfloat16
