"""The re-implementation computes the authors' function: golden tensors from OzAmram/CaloDiffusionPaper.

Random-init and perturbed (GroupNorm affine and biases away from their init) dataset-2 weights,
fixed inputs and the outputs the authors' code computed (``../shared/goldens/calodiffusion``).
"""

from __future__ import annotations

import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.rng import randn
from hepzoo_calodiffusion.config import CaloDiffusionConfig
from hepzoo_calodiffusion.keymap import authors_to_ours, ours_to_authors
from hepzoo_calodiffusion.model import CaloDiffusionModel
from hepzoo_calodiffusion.unet import geometry_images

ATOL = 1e-5


def _model(golden, suffix: str) -> CaloDiffusionModel:
    model = CaloDiffusionModel(CaloDiffusionConfig())
    model.unet.load_state_dict(authors_to_ours(golden(f"unet_ds2{suffix}.safetensors")), strict=True)
    return model.eval()


@pytest.mark.parametrize("suffix", ["", "_perturbed"])
def test_unet_outputs_match_authors(golden, suffix):
    model, io = _model(golden, suffix), golden(f"io_ds2{suffix}.safetensors")
    unet = model.unet
    with torch.no_grad():
        torch.testing.assert_close(unet.time_embed(io["t_emb"]), io["time_mlp_out"], atol=ATOL, rtol=0)
        torch.testing.assert_close(unet.energy_embed(io["E"]), io["cond_mlp_out"], atol=ATOL, rtol=0)
        torch.testing.assert_close(unet.unet(io["unet_input"], io["t_emb"], io["E"]), io["unet_output"],
                                   atol=ATOL, rtol=0)
        # the backbone as the objective calls it: geometry channels added, energy as cond [B, 1]
        torch.testing.assert_close(unet(io["x_noisy"], io["t_emb"], io["E"][:, None]), io["pred"], atol=ATOL, rtol=0)
        # through the DDPM objective at the golden timesteps (its schedule gives the time input)
        vp_sigma = (1 - model.objective.alpha_bar[io["t"]]).sqrt()
        pred = model.objective.predict_noise(io["x_noisy"], io["t"], vp_sigma, io["E"][:, None])
        torch.testing.assert_close(pred, io["pred"], atol=ATOL, rtol=0)
    assert ((pred - io["noise"]) ** 2).mean().item() == pytest.approx(io["loss_l2"].item(), rel=1e-5)


def test_geometry_channels_and_noising_match_authors(golden):
    io = golden("io_ds2.safetensors")
    model = CaloDiffusionModel()
    images = geometry_images(model.representation.r_edges[0], 45, 16)
    torch.testing.assert_close(images[0:1], io["R_image"], atol=1e-7, rtol=0)
    torch.testing.assert_close(images[1:2], io["Z_image"], atol=1e-7, rtol=0)
    torch.testing.assert_close(model.unet.images, images)
    abar = model.objective.alpha_bar[io["t"]].view(-1, 1, 1, 1, 1)
    torch.testing.assert_close(abar.sqrt() * io["x0"] + (1 - abar).sqrt() * io["noise"], io["x_noisy"],
                               atol=1e-6, rtol=0)
    torch.testing.assert_close((1 - abar).sqrt().reshape(-1), io["t_emb"], atol=1e-7, rtol=0)
    # the energy condition: log10(E / 1 GeV) / 3, from MeV
    cond = model.condition_vector({"energy": io["E_GeV"].double() * 1000}, torch.device("cpu"))
    torch.testing.assert_close(cond[:, 0], io["E"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("suffix", ["", "_perturbed"])
def test_one_ddpm_step_matches_authors(golden, suffix, registry):
    """The core's ddpm sampler on the grid [sigma_t, sigma_{t-1}] is the authors' ``p_sample``.

    Both add ``sqrt(posterior_variance[t])`` times their own noise to the same mean, so the means
    are compared: ours with the noise our generator drew, theirs with their ``step_noise``.
    """
    model, io = _model(golden, suffix), golden(f"io_ds2{suffix}.safetensors")
    schedule = golden("schedule.safetensors")
    ddpm = registry.sampler_spec("ddpm").load()
    objective = model.objective
    for i, t in enumerate(io["t"].tolist()):
        abar_t, abar_prev = objective.alpha_bar[t].double(), objective.alpha_bar[t - 1].double()
        grid = torch.stack([objective.sigmas[t], objective.sigmas[t - 1]])
        x_ve = (io["x_noisy"][i : i + 1].double() / abar_t.sqrt()).float()
        with torch.no_grad():
            out = ddpm(objective.law_fn(io["E"][i : i + 1, None]), x_ve, grid,
                       generator=torch.Generator().manual_seed(i))
        drawn = randn(x_ve.shape, torch.Generator().manual_seed(i))
        std = schedule["posterior_variance"][t].sqrt()
        ours = out.double() * abar_prev.sqrt() - std * drawn
        theirs = io["p_sample_out"][i : i + 1] - std * io["step_noise"][i : i + 1]
        torch.testing.assert_close(ours.float(), theirs, atol=ATOL, rtol=0)


def test_parameter_count_and_key_round_trip(golden):
    authors = golden("unet_ds2.safetensors")
    model = _model(golden, "")
    assert sum(p.numel() for p in model.unet.parameters()) == 517_969
    assert sum(p.numel() for p in model.parameters()) == 517_969  # preprocessing constants are buffers
    back = ours_to_authors(model.unet.state_dict())
    assert set(back) == set(authors) and all(torch.equal(back[k], authors[k]) for k in authors)


def test_dataset1_glam_checkpoint_is_refused(golden):
    state = golden("unet_ds1_photon.safetensors")
    with pytest.raises(ConfigError, match="GLaM"):
        authors_to_ours(state)
