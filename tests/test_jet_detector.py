"""The simplified CMS-like detector: tracks, tower merging, thresholds, subtraction, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.jets.detector import DETECTORS, FinalState, detect, get_detector
from hepzoo.errors import InvalidDataError

CMS = DETECTORS["cms"]
MASSES = {22: 0.0, 211: 0.1396, 130: 0.4976, 13: 0.1057, 11: 0.000511}


def _event(*particles: tuple[int, float, float, float, float]) -> FinalState:
    """Particles as (|pid|, charge, pt, eta, phi)."""
    rows = []
    for pid, charge, pt, eta, phi in particles:
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        e = np.sqrt(px**2 + py**2 + pz**2 + MASSES[pid] ** 2)
        rows.append((px, py, pz, e, pid, charge))
    return FinalState.from_rows(rows)


def test_photon_becomes_one_massless_constituent_in_its_cell():
    pt, eta, phi = detect(_event((22, 0, 50.0, 0.31, 1.2)), CMS, np.random.default_rng(0))
    assert len(pt) == 1
    assert abs(eta[0] - 0.31) < 0.0174 and abs(phi[0] - 1.2) < np.pi / 180  # within one ECAL cell
    assert 0.9 * 50 < pt[0] < 1.1 * 50  # ECAL resolution ~1% at 50 GeV


def test_photons_in_one_cell_merge_and_soft_ones_vanish():
    two = _event((22, 0, 20.0, 0.3005, 1.2002), (22, 0, 30.0, 0.3010, 1.2004))
    pt, _, _ = detect(two, CMS, np.random.default_rng(1))
    assert len(pt) == 1 and 45 < pt[0] < 55
    soft = _event((22, 0, 0.2, 0.3, 1.2))  # below the 0.5 GeV ECAL threshold
    assert len(detect(soft, CMS, np.random.default_rng(1))[0]) == 0


def test_neutral_hadron_lands_in_a_coarse_hcal_tower():
    pts, etas = [], []
    for seed in range(20):
        pt, eta, _ = detect(_event((130, 0, 40.0, 0.5, -2.0)), CMS, np.random.default_rng(seed))
        pts += pt.tolist()
        etas += eta.tolist()
    assert len(pts) == 20
    assert all(0.435 <= e <= 0.522 for e in etas)  # the 0.087-wide tower holding eta = 0.5
    assert 25 < np.mean(pts) < 55  # HCAL resolution ~25% at 40 GeV


def test_tracked_hadron_is_one_constituent_after_subtraction():
    n_const, n_exact = [], 0
    for seed in range(40):
        pt, eta, _ = detect(_event((211, 1, 30.0, 0.2, 0.4)), CMS, np.random.default_rng(seed))
        n_const.append(len(pt))
        n_exact += int(np.isclose(eta, 0.2).any())  # a track keeps the particle's own direction
    # Tracked (95%): one track, and a neutral remainder only on a > 2 sigma upward HCAL fluctuation;
    # untracked: one HCAL tower. Never lost, rarely doubled.
    assert min(n_const) == 1 and np.mean(n_const) < 1.15 and n_exact >= 30


def test_muon_is_a_track_and_nothing_outside_the_calorimeter():
    pt, _, _ = detect(_event((13, -1, 20.0, 0.0, 0.0)), CMS, np.random.default_rng(3))
    assert len(pt) <= 1 and (len(pt) == 0 or abs(pt[0] - 20) < 1)
    assert len(detect(_event((22, 0, 5.0, 5.5, 0.0)), CMS, np.random.default_rng(3))[0]) == 0


def test_same_rng_seed_same_constituents():
    ev = _event((211, 1, 3.0, 0.1, 0.1), (22, 0, 4.0, 0.12, 0.05), (130, 0, 6.0, -0.2, 0.3))
    a = detect(ev, CMS, np.random.default_rng(7))
    b = detect(ev, CMS, np.random.default_rng(7))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_detector_names():
    assert get_detector("none") is None and get_detector("cms").hcal_energy_min == 1.0
    with pytest.raises(InvalidDataError, match="detector=none"):
        get_detector("atlas")
