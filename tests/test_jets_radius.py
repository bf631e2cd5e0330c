"""The jet radius option of the JetNet generator: validated before any event, honoured by the constituents."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.datasets import make_dataset
from hepzoo.data.jets.kinematics import center_on_pt_centroid
from hepzoo.data.jets.pythia import check_radius, make_jets
from hepzoo.errors import InvalidDataError

# JetNet150 tops (EPiC-GAN's normalisation constants over the re-centred training set; docs/jets.md).
JETNET_TOP_ETA_STD, JETNET_TOP_PHI_STD, JETNET_TOP_N_MEAN = 0.13794, 0.13738, 62.9


@pytest.mark.parametrize("bad", [0.0, 2.0, "wide", None])
def test_a_bad_radius_is_one_line_before_any_generation(tmp_path, bad):
    with pytest.raises(InvalidDataError, match="radius must be an anti-kT R"):
        make_jets("top", 1, tmp_path / "x.h5", radius=bad, progress=False)
    assert not (tmp_path / "x.h5").exists()


def test_radius_is_a_data_make_option_and_is_checked(tmp_path):
    assert check_radius(0.4) == 0.4 and check_radius(1) == 1.0
    with pytest.raises(InvalidDataError, match="radius must be"):
        make_dataset("jetnet150-top", 1, tmp_path / "x.h5", radius=3.0, progress=False)


def _generate(**kwargs):
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    from hepzoo.data.jets.pythia import generate_jets

    return generate_jets("top", progress=False, chunk_size=kwargs["n"], **kwargs)


def test_constituents_lie_within_the_chosen_radius():
    s = _generate(n=6, seed=2, detector="none", radius=0.4)
    dr = np.hypot(s.x[..., 0], s.x[..., 1])
    assert (dr[s.mask] < 0.4).all() and dr[s.mask].max() > 0.3
    assert s.meta["cuts"]["radius"] == 0.4 and s.meta["detector"] == {"name": "none"}


@pytest.mark.slow  # ~150 particle-level jets
def test_particle_level_r04_tops_have_jetnets_widths_and_multiplicity():
    """The finding of docs/jets.md: particle-level anti-kT R = 0.4 gives JetNet's top moments (10%)."""
    s = _generate(n=150, seed=0, detector="none", radius=0.4)
    f = center_on_pt_centroid(s.x, s.mask)[s.mask]
    assert f[:, 0].std() == pytest.approx(JETNET_TOP_ETA_STD, rel=0.1)
    assert f[:, 1].std() == pytest.approx(JETNET_TOP_PHI_STD, rel=0.1)
    assert s.mask.sum(1).mean() == pytest.approx(JETNET_TOP_N_MEAN, rel=0.1)
