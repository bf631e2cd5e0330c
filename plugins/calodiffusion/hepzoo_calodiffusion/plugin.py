"""Registers the CaloDiffusion family with hepzoo (cheap: names and import paths, no torch import)."""

from __future__ import annotations

from hepzoo.plugins import hookimpl


@hookimpl
def hepzoo_register(registry) -> None:
    registry.add_family(
        "calodiffusion-unet",
        "hepzoo_calodiffusion.model:CaloDiffusionModel",
        "CaloDiffusion: cylindrical 3D U-Net DDPM for CaloChallenge showers (Amram & Pedro, arXiv:2308.03876)",
        recipe="hepzoo_calodiffusion.train:CaloDiffusionRecipe",
        convert="hepzoo_calodiffusion.convert:main_convert",
        law="denoiser",
    )
