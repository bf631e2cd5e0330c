"""The re-implementation computes the authors' function: golden tensors from uhh-pd-ml/EPiC-GAN."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from hepzoo_epic_gan.buckets import PackedJets
from hepzoo_epic_gan.critic import EPiCCritic
from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.keymap import authors_to_ours, ours_to_authors
from hepzoo_epic_gan.layers import fold_weight_norm

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("HEPZOO_SHARED", REPO_ROOT.parent / "shared"))
GOLDEN = SHARED / "goldens" / "epic-gan"

pytestmark = pytest.mark.skipif(not (GOLDEN / "io.safetensors").exists(), reason=f"no goldens at {GOLDEN}")


def _load(name: str) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(GOLDEN / name))


def _close(actual: torch.Tensor, ref: torch.Tensor) -> None:
    torch.testing.assert_close(actual, ref, rtol=1e-5, atol=1e-5 * ref.abs().max().item())


def _nets(suffix: str) -> tuple[EPiCGenerator, EPiCCritic]:
    gen, critic = EPiCGenerator(), EPiCCritic()
    gen.load_state_dict(authors_to_ours(_load(f"generator{suffix}.safetensors"), "generator"), strict=True)
    critic.load_state_dict(authors_to_ours(_load(f"discriminator{suffix}.safetensors"), "critic"), strict=True)
    return gen.eval(), critic.eval()


@pytest.mark.parametrize("suffix", ["", "_perturbed"])
@pytest.mark.parametrize("n", ["n150", "n30"])
def test_outputs_match_authors(suffix: str, n: str) -> None:
    gen, critic = _nets(suffix)
    io = _load(f"io{suffix}.safetensors")
    with torch.no_grad():
        out, latent = gen(io[f"{n}.z_global"], io[f"{n}.z_local"], return_latent=True)
        _close(out, io[f"{n}.gen_out"])
        _close(latent, io[f"{n}.gen_latent_tensor"])
        _close(gen(io[f"{n}.z_global"], io[f"{n}.z_local"]), io[f"{n}.gen_out"])
        _close(critic(io[f"{n}.gen_out"]), io[f"{n}.disc_on_gen_out"])
        _close(critic(io[f"{n}.x_real"]), io[f"{n}.disc_on_x_real"])


def test_folded_weight_norm_matches_authors() -> None:
    gen, _ = _nets("_perturbed")
    fold_weight_norm(gen)
    assert not any("parametrizations" in k for k in gen.state_dict())
    io = _load("io_perturbed.safetensors")
    with torch.no_grad():
        ref = io["n150.gen_out"]
        torch.testing.assert_close(gen(io["n150.z_global"], io["n150.z_local"]), ref,
                                   rtol=1e-4, atol=1e-4 * ref.abs().max().item())


@pytest.mark.parametrize("n", ["n150", "n30"])
def test_packed_sampling_path_matches_authors(n: str) -> None:
    gen, _ = _nets("_perturbed")
    fold_weight_norm(gen)
    io = _load("io_perturbed.safetensors")
    z_global, z_local, ref = io[f"{n}.z_global"], io[f"{n}.z_local"], io[f"{n}.gen_out"]
    jets = PackedJets(torch.full((len(z_global),), z_local.shape[1]))
    with torch.inference_mode():
        out = gen.forward_packed(z_global, z_local.reshape(-1, 3), jets, chunk=97)  # chunks cut jets apart
    torch.testing.assert_close(out.reshape(ref.shape), ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())


def test_parameter_counts_and_key_round_trip() -> None:
    gen, critic = _nets("")
    assert sum(p.numel() for p in gen.parameters()) == 424_850
    assert sum(p.numel() for p in critic.parameters()) == 313_170
    for net, model, name in (("generator", gen, "generator"), ("critic", critic, "discriminator")):
        authors = _load(f"{name}.safetensors")
        back = ours_to_authors(model.state_dict(), net)
        assert set(back) == set(authors)
        assert all(torch.equal(back[k], authors[k]) for k in authors)
