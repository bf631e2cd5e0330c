"""Registers the PC-Droid families with hepzoo (cheap: names and import paths, no torch import)."""

from __future__ import annotations

from hepzoo.plugins import PretrainedEntry, hookimpl
from hepzoo_pc_droid.pretrained import PRETRAINED

PAPERS = {"pc-droid-cae": ("2307.06836", "2303.05376"), "pc-droid": ("2307.06836", "2303.05376"),
          "pc-droid-cae-cd": ("2307.06836", "2303.01469")}


@hookimpl
def hepzoo_register(registry) -> None:
    registry.add_family(
        "pc-droid-cae",
        "hepzoo_pc_droid.model:PcDroidCAE",
        "PC-Droid cross-attention encoder (16 global tokens, O(N M)): EDM diffusion for jets of every "
        "JetNet type, conditioned on type, pT, eta, mass and multiplicity (Leigh et al., arXiv:2307.06836)",
        recipe="hepzoo_pc_droid.train:PcDroidCAERecipe",
        law="denoiser",
    )
    registry.add_family(
        "pc-droid",
        "hepzoo_pc_droid.model:PcDroid",
        "PC-Droid full transformer (O(N^2) self-attention): EDM diffusion for jets of every JetNet type, "
        "conditioned on type, pT, eta, mass and multiplicity (Leigh et al., arXiv:2307.06836)",
        recipe="hepzoo_pc_droid.train:PcDroidRecipe",
        law="denoiser",
    )
    registry.add_family(
        "pc-droid-cae-cd",
        "hepzoo_pc_droid.model:PcDroidCAECD",
        "PC-Droid CAE consistency-distilled from a pc-droid-cae teacher: jets of every JetNet type in 1 to 5 "
        "network calls (multistep consistency; Song et al., arXiv:2303.01469; Leigh et al., arXiv:2307.06836)",
        recipe="hepzoo_pc_droid.distill:PcDroidCAECDRecipe",
        law="consistency",
    )
    for entry in PRETRAINED:
        registry.add_pretrained(PretrainedEntry(papers=PAPERS[entry["family"]], **entry))
