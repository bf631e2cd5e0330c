"""The JetNet datasets (jetnet150-* and jetnet30-*) as DatasetSpecs: real files via env vars, else Pythia.

A real JetNet file (Zenodo records 6975117 / 6975118) is used when ``HEPZOO_JETNET150_TOP`` (etc.)
points at it; otherwise ``hepzoo data make jetnet150-top -n N`` generates JetNet-like jets (particle level,
anti-kT R = 0.4 by default, which reproduces JetNet's files; ``--set detector=cms --set radius=0.8`` for
JetNet's documented recipe; docs/jets.md).
"""

from __future__ import annotations

import functools

from hepzoo.data.datasets import DatasetSpec
from hepzoo.data.jets.pythia import jet_recipe, make_jets
from hepzoo.representations.point_cloud import PointCloud

__all__ = ["DATASETS", "jetnet_spec"]

_LABEL = {"gluon": "gluon", "quark": "light-quark", "top": "top-quark", "w": "W-boson", "z": "Z-boson"}


def jetnet_spec(jet_type: str, n_particles: int) -> DatasetSpec:
    """The DatasetSpec of JetNet ``n_particles`` (30 or 150) jets of one type."""
    name = f"jetnet{n_particles}-{jet_type}"
    return DatasetSpec(
        name=name,
        representation=PointCloud(max_particles=n_particles),
        description=(
            f"JetNet{n_particles} {_LABEL[jet_type]} jets (pT ~ 1 TeV, up to {n_particles} constituents as "
            "eta_rel, phi_rel, pt_rel; particle level with anti-kT R=0.4, which reproduces JetNet's files; "
            "--set detector=cms --set radius=0.8 for JetNet's documented recipe, docs/jets.md); arXiv:2106.11535"
        ),
        maker=functools.partial(make_jets, jet_type, n_particles=n_particles),
        recipe=functools.partial(jet_recipe, jet_type, radius=0.4),
        env_var=f"HEPZOO_JETNET{n_particles}_{jet_type.upper()}",
    )


JETNET150_GLUON = jetnet_spec("gluon", 150)
JETNET150_QUARK = jetnet_spec("quark", 150)
JETNET150_TOP = jetnet_spec("top", 150)
JETNET150_W = jetnet_spec("w", 150)
JETNET150_Z = jetnet_spec("z", 150)
JETNET30_GLUON = jetnet_spec("gluon", 30)
JETNET30_QUARK = jetnet_spec("quark", 30)
JETNET30_TOP = jetnet_spec("top", 30)
JETNET30_W = jetnet_spec("w", 30)
JETNET30_Z = jetnet_spec("z", 30)

DATASETS = {
    spec.name: spec
    for spec in (
        JETNET150_GLUON,
        JETNET150_QUARK,
        JETNET150_TOP,
        JETNET150_W,
        JETNET150_Z,
        JETNET30_GLUON,
        JETNET30_QUARK,
        JETNET30_TOP,
        JETNET30_W,
        JETNET30_Z,
    )
}
