"""Registers the MDMA families with hepzoo (cheap: names and import paths, no torch import)."""

from __future__ import annotations

from hepzoo.plugins import PretrainedEntry, hookimpl
from hepzoo_mdma.pretrained import PRETRAINED

PAPERS = {"mdma": ("2305.15254",), "mdma-fm": ("2408.04997", "2305.15254")}


@hookimpl
def hepzoo_register(registry) -> None:
    registry.add_family(
        "mdma",
        "hepzoo_mdma.model:MdmaModel",
        "MDMA: mean-field attention GAN for jets (Käch, Melzer-Pellmann et al., arXiv:2305.15254)",
        recipe="hepzoo_mdma.train:MdmaRecipe",
        law="generator",
    )
    registry.add_family(
        "mdma-fm",
        "hepzoo_mdma.model:MdmaFmModel",
        "MDMA-FM: mean-field attention velocity field, conditional flow matching (arXiv:2408.04997)",
        recipe="hepzoo_mdma.train:MdmaFmRecipe",
        law="velocity",
    )
    for entry in PRETRAINED:
        registry.add_pretrained(PretrainedEntry(papers=PAPERS[entry["family"]], **entry))
