"""JetNet-like jets: Pythia 8 + FastJet generation, kinematics helpers and the dataset catalog."""

from __future__ import annotations

from hepzoo.data.jets.kinematics import (
    center_on_pt_centroid,
    jet_four_vector,
    jet_mass,
    jet_pt,
    to_relative,
    wrap_phi,
)

__all__ = ["center_on_pt_centroid", "jet_four_vector", "jet_mass", "jet_pt", "to_relative", "wrap_phi", "make_jets"]


def make_jets(*args, **kwargs):
    """Generate JetNet-like jets; see :func:`hepzoo.data.jets.pythia.make_jets`."""
    from hepzoo.data.jets.pythia import make_jets as _make_jets

    return _make_jets(*args, **kwargs)
