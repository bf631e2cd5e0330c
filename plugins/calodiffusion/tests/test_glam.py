"""GLaM (dataset 1): the area-overlap map onto the union grid, and the authors' dataset-1 photon goldens."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.representations import Voxel
from hepzoo_calodiffusion.config import UNetConfig
from hepzoo_calodiffusion.glam import GLaM, area_overlap, union_edges
from hepzoo_calodiffusion.keymap import authors_to_ours, split_authors_glam
from hepzoo_calodiffusion.unet import CylindricalUNet, geometry_images

PHOTONS = Voxel.from_geometry("ds1-photons")


def test_area_overlap_splits_each_ring_by_area():
    split = area_overlap([0, 2, 4], [0, 1, 2, 3, 4])
    np.testing.assert_allclose(split, [[0.25, 0], [0.75, 0], [0, 5 / 12], [0, 7 / 12]])
    np.testing.assert_allclose(split.sum(0), 1.0)
    assert len(union_edges(PHOTONS.r_edges)) == 31  # the authors' 30 radial bins for photons


def test_glam_keeps_the_energy_and_starts_near_invertible():
    torch.manual_seed(0)
    glam = GLaM(PHOTONS.r_edges, PHOTONS.n_alpha)
    x = torch.rand(3, PHOTONS.n_voxels, generator=torch.Generator().manual_seed(1))
    grid = glam.encode(x)
    assert grid.shape == (3, 1, 5, 10, 30)
    torch.testing.assert_close(grid.sum((1, 2, 3, 4)), x.sum(1), rtol=1e-3, atol=0)  # area shares sum to 1
    torch.testing.assert_close(glam.decode(grid), x, atol=2e-3, rtol=0)  # decoder: the pseudo-inverse


@pytest.mark.parametrize("suffix", ["", "_perturbed"])
def test_glam_and_unet_match_authors_dataset1_photons(golden, suffix):
    glam_state, unet_state = split_authors_glam(golden(f"unet_ds1_photon{suffix}.safetensors"))
    io = golden(f"io_ds1_photon{suffix}.safetensors")
    glam = GLaM(PHOTONS.r_edges, PHOTONS.n_alpha)
    glam.load_state_dict(glam_state, strict=True)
    edges = union_edges(PHOTONS.r_edges)
    unet = CylindricalUNet(UNetConfig(angle_channel=True), edges, 5, 10).eval()
    unet.load_state_dict(authors_to_ours(unet_state), strict=True)
    images = geometry_images(edges, 5, 10, angle=True)
    for i, name in enumerate(("R_image", "Z_image", "phi_image")):
        torch.testing.assert_close(images[i : i + 1], io[name], atol=1e-7, rtol=0)
    with torch.no_grad():
        encoded = glam.encode(io["x_noisy"])
        torch.testing.assert_close(encoded, io["nn_embed_enc_out"], atol=1e-6, rtol=0)
        torch.testing.assert_close(unet.unet(io["unet_input"], io["t_emb"], io["E"]), io["unet_output"],
                                   atol=1e-5, rtol=0)
        pred = glam.decode(unet(encoded, io["t_emb"], io["E"][:, None]))
    torch.testing.assert_close(pred, io["pred"], atol=1e-5 * io["pred"].abs().max().item(), rtol=0)
    assert sum(p.numel() for p in (*glam.parameters(), *unet.parameters())) == 521_581
