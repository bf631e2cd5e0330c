"""Registers the EPiC-GAN family with hepzoo (cheap: names and import paths, no torch import)."""

from __future__ import annotations

from hepzoo.plugins import PretrainedEntry, hookimpl
from hepzoo_epic_gan.pretrained import PRETRAINED


@hookimpl
def hepzoo_register(registry) -> None:
    registry.add_family(
        "epic-gan",
        "hepzoo_epic_gan.model:EpicGanModel",
        "EPiC-GAN: equivariant point-cloud GAN for jets (Buhmann, Kasieczka, Thaler, arXiv:2301.08128)",
        recipe="hepzoo_epic_gan.train:EpicGanRecipe",
        convert="hepzoo_epic_gan.convert:main_convert",
        law="generator",
    )
    for entry in PRETRAINED:
        registry.add_pretrained(PretrainedEntry(family="epic-gan", papers=("2301.08128",), **entry))
