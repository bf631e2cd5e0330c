"""Jet kinematics: the pT-centroid shift and the summed-4-vector quantities."""

from __future__ import annotations

import numpy as np

from hepzoo.data.jets.kinematics import center_on_pt_centroid, jet_mass
from hepzoo.testing.data import random_jets


def test_center_on_pt_centroid_moves_the_weighted_centroid_to_zero_and_keeps_padding():
    x, mask = random_jets(50, 10, seed=4)
    x[..., :2] += np.where(mask, 0.3, 0.0)[..., None]  # every jet off-centre
    out = center_on_pt_centroid(x, mask)
    w = np.where(mask, out[..., 2], 0.0)
    for i in (0, 1):
        np.testing.assert_allclose((w * out[..., i]).sum(1) / w.sum(1), 0.0, atol=1e-6)
    assert (out[~mask] == 0).all()
    np.testing.assert_array_equal(out[..., 2], x[..., 2])
    # an eta shift is a boost along z, a phi shift a rotation: the jet mass is unchanged
    np.testing.assert_allclose(jet_mass(out, mask), jet_mass(x, mask), rtol=1e-4)
