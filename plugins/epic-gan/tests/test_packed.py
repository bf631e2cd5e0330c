"""Packed sampling: each jet computed on its real particles only, the same function as a dense bucket."""

from __future__ import annotations

import pytest
import torch

from hepzoo.masking import mask_from_counts
from hepzoo_epic_gan.buckets import PackedJets
from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.layers import fold_weight_norm


def _perturbed_generator(seed: int = 0) -> EPiCGenerator:
    """A generator whose weight-norm gains differ from the row norms (so a wrong gain shows)."""
    torch.manual_seed(seed)
    gen = EPiCGenerator()
    with torch.no_grad():
        for p in gen.parameters():
            p.mul_(1 + 0.2 * torch.randn_like(p)).add_(0.01 * torch.randn_like(p))
    return gen.eval()


def _dense_per_jet(gen: EPiCGenerator, z_global, z_local_padded, counts) -> torch.Tensor:
    """The reference: every jet on its own, dense ``[1, n, 3]`` (the authors' bucketing, batch 1)."""
    out = torch.zeros_like(z_local_padded)
    for j, n in enumerate(counts.tolist()):
        out[j, :n] = gen(z_global[j : j + 1], z_local_padded[j : j + 1, :n])[0]
    return out


def test_pack_unpack_round_trip_keeps_order_and_zeros_padding():
    mask = torch.tensor([[True, False, True, True], [False, False, False, False], [True, True, False, False]])
    x = torch.arange(12 * 2, dtype=torch.float32).reshape(3, 4, 2) + 1
    packed = PackedJets.pack(x, mask)
    assert packed.shape == (5, 2)
    torch.testing.assert_close(packed[:3], x[0, [0, 2, 3]])  # jet order, then particle order
    back = PackedJets.unpack(packed, mask)
    torch.testing.assert_close(back[mask], x[mask])
    assert (back[~mask] == 0).all()
    jets = PackedJets.from_mask(mask)
    assert jets.counts.tolist() == [3, 0, 2] and jets.index.tolist() == [0, 0, 0, 2, 2]


def test_pooling_and_spreading_are_per_jet():
    counts = torch.tensor([3, 1, 5])
    jets = PackedJets(counts)
    points = torch.randn(9, 4)
    sums = jets.sum(points)
    torch.testing.assert_close(sums[0], points[:3].sum(0))
    torch.testing.assert_close(sums[2], points[4:].sum(0))
    torch.testing.assert_close(jets.mean(sums)[2], points[4:].mean(0))
    spread = jets.spread(torch.tensor([[1.0], [2.0], [3.0]]))
    assert spread.squeeze(1).tolist() == [1, 1, 1, 2, 3, 3, 3, 3, 3]


@pytest.mark.parametrize("chunk", [4, 7, 2048])  # chunks that cut jets apart, and one holding all
def test_packed_generator_equals_dense_per_jet(chunk):
    gen = _perturbed_generator()
    counts = torch.tensor([1, 9, 4, 9, 2, 13])
    mask = mask_from_counts(counts, 13)
    g = torch.Generator().manual_seed(3)
    z_global = torch.randn(len(counts), 10, generator=g)
    z_local = torch.randn(len(counts), 13, 3, generator=g) * mask[..., None]
    with torch.no_grad():
        ref = _dense_per_jet(gen, z_global, z_local, counts)
        folded = fold_weight_norm(_perturbed_generator())
        out = folded.forward_packed(z_global, PackedJets.pack(z_local, mask), PackedJets(counts), chunk=chunk)
    got = PackedJets.unpack(out, mask)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5 * ref.abs().max().item())


def test_packed_generator_unfolded_weight_norm_and_grad_free_inference_agree():
    gen = _perturbed_generator()
    counts = torch.tensor([5, 3])
    z_global, z_local = torch.randn(2, 10), torch.randn(8, 3)
    with torch.inference_mode():
        a = gen.forward_packed(z_global, z_local, PackedJets(counts))
        b = fold_weight_norm(_perturbed_generator()).forward_packed(z_global, z_local, PackedJets(counts))
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4 * a.abs().max().item())


def test_bfloat16_fast_path_is_close_and_returns_float32():
    gen = fold_weight_norm(_perturbed_generator())
    counts = torch.tensor([30, 7, 60])
    jets = PackedJets(counts)
    z_global, z_local = torch.randn(3, 10), torch.randn(97, 3)
    with torch.inference_mode():
        ref = gen.forward_packed(z_global, z_local, jets)
        fast = gen.forward_packed(z_global, z_local, jets, dtype=torch.bfloat16)
    assert fast.dtype == torch.float32 and fast.shape == ref.shape
    err = (fast - ref).abs().max() / ref.abs().max()
    assert 0 < err < 0.05  # bfloat16 keeps 8 bits of mantissa: close, and not silently float32


def test_model_samples_packed_on_cpu_and_the_same_jets_as_the_bucketed_path(jets, registry):
    from hepzoo_epic_gan.model import EpicGanModel

    torch.manual_seed(0)
    model = EpicGanModel.from_training_data(jets).eval()
    packed_calls = []
    original = EPiCGenerator.forward_packed

    def spy(self, *args, **kwargs):
        packed_calls.append(1)
        return original(self, *args, **kwargs)

    EPiCGenerator.forward_packed = spy
    try:
        packed = model.sample(50, seed=3)
    finally:
        EPiCGenerator.forward_packed = original
    assert packed_calls == [1]  # one packed call for the whole batch
    model._packs = lambda *args: False  # the bucketed path: one dense call per multiplicity
    bucketed = model.sample(50, seed=3)
    torch.testing.assert_close(torch.from_numpy(packed.mask), torch.from_numpy(bucketed.mask))
    torch.testing.assert_close(torch.from_numpy(packed.x), torch.from_numpy(bucketed.x), rtol=1e-5, atol=1e-6)


def test_model_bfloat16_path_gives_nearby_jets(jets, registry):
    from hepzoo_epic_gan.model import EpicGanModel

    torch.manual_seed(0)
    model = EpicGanModel.from_training_data(jets).eval()
    ref = model.sample(50, seed=3)
    model.autocast_bf16 = True
    fast = model.sample(50, seed=3)
    assert (fast.mask == ref.mask).all()
    assert not (fast.x == ref.x).all()
    # particles are ordered by pT after generation, so near-equal ones may swap: compare per-jet sums
    sums_fast, sums_ref = fast.x.sum(1), ref.x.sum(1)
    assert abs(sums_fast - sums_ref).max() < 0.05 * abs(sums_ref).max()
