"""A simplified CMS-like detector: final-state particles -> particle-flow constituents (tracks + neutral towers).

JetNet (arXiv:2106.11535) comes from the samples of Coleman et al., arXiv:1709.08705, whose
"realistic" case is a CMS-like detector with a segmented calorimeter. That detector is modelled
here after Delphes' CMS card (delphes/delphes ``cards/delphes_card_CMS.tcl``; Delphes:
arXiv:1307.6346) and its energy-flow logic:

- charged particles with |eta| <= 2.5 are tracked with the card's efficiencies (pT > 0.1 GeV,
  0.70/0.95 for hadrons below/above 1 GeV in the barrel, 0.60/0.85 in the endcaps) and a
  log-normal pT smearing; a tracked particle is one constituent at its own (eta, phi);
- every particle (tracked or not, |eta| < 5) deposits its energy in an ECAL cell (e, gamma:
  0.0174 x 1 degree up to |eta| 2.958) or an HCAL tower (hadrons: 0.087 x 5 degrees up to
  |eta| 1.653, coarser beyond); tower energies are smeared log-normally with the card's
  resolutions and kept above 0.5 GeV (ECAL) / 1.0 GeV (HCAL) and 2 sigma;
- the tracked energy in a tower is subtracted; a significant remainder (same thresholds) is one
  neutral constituent placed uniformly inside its cell.

Simplifications (documented in docs/jets.md): no magnetic-field bending (deposits sit at the
particle's own direction), no pile-up, K0S/Lambda already decayed by Pythia. All constituents are
massless, so rapidity equals pseudorapidity for clustering and features.
"""

from __future__ import annotations

import attrs
import numpy as np

from hepzoo.data.jets.kinematics import wrap_phi
from hepzoo.errors import InvalidDataError

__all__ = ["Detector", "DETECTORS", "get_detector", "FinalState", "detect", "massless_pt_eta_phi"]


@attrs.define(frozen=True)
class Detector:
    """Settings of the simplified detector (recorded in each file's metadata)."""

    name: str = "cms"
    tracker_eta_max: float = 2.5
    track_pt_min: float = 0.1
    calo_eta_max: float = 5.0
    ecal_cell: str = "0.0174 x 1 deg (|eta| < 2.958), 0.175 x 10 deg beyond"
    hcal_cell: str = "0.087 x 5 deg (|eta| < 1.653), ~0.09-0.18 x 10 deg to 4.7, 20 deg beyond"
    ecal_energy_min: float = 0.5
    hcal_energy_min: float = 1.0
    energy_significance_min: float = 2.0
    source: str = "Delphes CMS card (delphes/delphes cards/delphes_card_CMS.tcl), arXiv:1307.6346"


DETECTORS = {"cms": Detector(), "none": None}


def get_detector(name: str) -> Detector | None:
    """The detector called ``name`` (``cms``), or None for particle level (``none``)."""
    if name not in DETECTORS:
        raise InvalidDataError(f"unknown detector {name!r}; use --set detector=cms or --set detector=none")
    return DETECTORS[name]


@attrs.define
class FinalState:
    """Visible final-state particles of one event: 3-momenta, energies, |PDG id| and charges."""

    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    pid: np.ndarray
    charge: np.ndarray

    @classmethod
    def from_rows(cls, rows: list[tuple[float, float, float, float, int, float]]) -> FinalState:
        a = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
        return cls(a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4].astype(np.int64), a[:, 5])

    def pt_eta_phi(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pt = np.hypot(self.px, self.py)
        eta = np.arcsinh(self.pz / np.maximum(pt, 1e-12))
        return pt, eta, np.arctan2(self.py, self.px)


def massless_pt_eta_phi(fs: FinalState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Particle level: every visible particle as a massless constituent (E = |p|)."""
    return fs.pt_eta_phi()


# --- the card's granularity (tower edges in eta, number of phi cells per eta ring) ---------
def _ecal_eta_edges() -> np.ndarray:
    barrel = np.arange(-85, 87) * 0.0174
    endcap = np.concatenate([-2.958 + np.arange(1, 85) * 0.0174, 1.4964 + np.arange(1, 85) * 0.0174])
    hf = np.array([-5, -4.7, -4.525, -4.35, -4.175, -4, -3.825, -3.65, -3.475, -3.3, -3.125, -2.958,
                   2.958, 3.125, 3.3, 3.475, 3.65, 3.825, 4, 4.175, 4.35, 4.525, 4.7, 5])  # fmt: skip
    return np.unique(np.round(np.concatenate([barrel, endcap, hf]), 6))


_HCAL_CENTRAL = np.round(np.arange(-18, 20) * 0.087, 6)  # -1.566 ... 1.653
_HCAL_OUTER = np.array([1.74, 1.83, 1.93, 2.043, 2.172, 2.322, 2.5, 2.65, 2.868, 2.95, 3.125, 3.3,
                        3.475, 3.65, 3.825, 4.0, 4.175, 4.35, 4.525, 4.7, 5.0])  # fmt: skip


def _hcal_eta_edges() -> np.ndarray:
    return np.unique(np.concatenate([-_HCAL_OUTER, [-1.653], _HCAL_CENTRAL, _HCAL_OUTER]))


_ECAL_EDGES = _ecal_eta_edges()
_HCAL_EDGES = _hcal_eta_edges()
_ECAL_CENTERS = 0.5 * (_ECAL_EDGES[1:] + _ECAL_EDGES[:-1])
_HCAL_CENTERS = 0.5 * (_HCAL_EDGES[1:] + _HCAL_EDGES[:-1])
_ECAL_NPHI = np.where(np.abs(_ECAL_CENTERS) < 2.958, 360, 36)
_HCAL_NPHI = np.where(np.abs(_HCAL_CENTERS) < 1.653, 72, np.where(np.abs(_HCAL_CENTERS) < 4.7, 36, 18))


# --- the card's efficiencies and resolutions ----------------------------------------------
def _track_efficiency(pid: np.ndarray, pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Tracking efficiency of the CMS card: charged hadrons, electrons (11) and muons (13)."""
    barrel = np.abs(eta) <= 1.5
    low = pt <= 1.0
    hadron = np.where(barrel, np.where(low, 0.70, 0.95), np.where(low, 0.60, 0.85))
    electron = np.where(
        barrel,
        np.where(low, 0.73, np.where(pt <= 100, 0.95, 0.99)),
        np.where(low, 0.50, np.where(pt <= 100, 0.83, 0.90)),
    )
    muon = np.where(barrel, np.where(low, 0.75, 0.99), np.where(low, 0.70, 0.98))
    eff = np.where(pid == 11, electron, np.where(pid == 13, muon, hadron))
    return np.where((pt > 0.1) & (np.abs(eta) <= 2.5), eff, 0.0)


def _track_resolution(pid: np.ndarray, pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative pT resolution of tracks (CMS card, from arXiv:1405.6569)."""
    a = np.abs(eta)
    region = np.where(a <= 0.5, 0, np.where(a <= 1.5, 1, 2))
    const = {11: (0.03, 0.05, 0.15), 13: (0.01, 0.015, 0.025)}
    slope = {11: (1.3e-3, 1.7e-3, 3.1e-3), 13: (1.0e-4, 1.5e-4, 3.5e-4)}
    c = np.choose(region, (0.01, 0.015, 0.025))
    s = np.choose(region, (1.5e-4, 2.5e-4, 5.5e-4))
    for code in (11, 13):
        c = np.where(pid == code, np.choose(region, const[code]), c)
        s = np.where(pid == code, np.choose(region, slope[code]), s)
    return np.sqrt(c**2 + (pt * s) ** 2)


def _ecal_sigma(energy: np.ndarray, eta: np.ndarray) -> np.ndarray:
    a = np.abs(eta)
    core = np.sqrt(energy**2 * 0.008**2 + energy * 0.11**2 + 0.40**2)
    return np.where(
        a <= 1.5,
        (1 + 0.64 * eta**2) * core,
        np.where(
            a <= 2.5, (2.16 + 5.6 * (a - 2) ** 2) * core, np.sqrt(energy**2 * 0.107**2 + energy * 2.08**2)
        ),
    )


def _hcal_sigma(energy: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.where(
        np.abs(eta) <= 3.0,
        np.sqrt(energy**2 * 0.050**2 + energy * 1.50**2),
        np.sqrt(energy**2 * 0.130**2 + energy * 2.70**2),
    )


def _log_normal(rng: np.random.Generator, mean: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Log-normal draws with the given mean and standard deviation (Delphes' smearing)."""
    mean = np.maximum(mean, 1e-12)
    var = np.log1p((sigma / mean) ** 2)
    return rng.lognormal(np.log(mean) - 0.5 * var, np.sqrt(var))


def _calorimeter(
    rng: np.random.Generator,
    energy: np.ndarray,
    eta: np.ndarray,
    phi: np.ndarray,
    track_energy: np.ndarray,
    track_sigma: np.ndarray,
    edges: np.ndarray,
    nphi: np.ndarray,
    sigma_fn,
    energy_min: float,
    significance_min: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Towers of one calorimeter -> neutral constituents (pt, eta, phi) left after track subtraction."""
    empty = (np.zeros(0), np.zeros(0), np.zeros(0))
    if energy.size == 0:
        return empty
    ieta = np.clip(np.searchsorted(edges, eta, side="right") - 1, 0, len(edges) - 2)
    n = nphi[ieta]
    iphi = np.clip(np.floor((phi + np.pi) / (2 * np.pi) * n).astype(np.int64), 0, n - 1)
    key = ieta * 1000 + iphi
    towers, inverse = np.unique(key, return_inverse=True)
    e_sum = np.bincount(inverse, weights=energy)
    t_sum = np.bincount(inverse, weights=track_energy)
    t_var = np.bincount(inverse, weights=track_sigma**2)
    t_eta, t_phi = towers // 1000, towers % 1000
    lo, hi = edges[t_eta], edges[t_eta + 1]
    center = 0.5 * (lo + hi)
    sigma = sigma_fn(e_sum, center)
    measured = _log_normal(rng, e_sum, sigma)
    measured = np.where((measured < energy_min) | (measured < significance_min * sigma), 0.0, measured)
    neutral = np.maximum(measured - t_sum, 0.0)
    keep = (neutral > energy_min) & (neutral > significance_min * np.sqrt(sigma**2 + t_var))
    if not keep.any():
        return empty
    # Uniform position inside the cell, as the card's SmearTowerCenter.
    width = (2 * np.pi) / nphi[t_eta[keep]]
    n_keep = int(keep.sum())
    out_eta = rng.uniform(lo[keep], hi[keep], n_keep)
    out_phi = wrap_phi(-np.pi + width * (t_phi[keep] + rng.uniform(0.0, 1.0, n_keep)))
    return neutral[keep] / np.cosh(out_eta), out_eta, out_phi


def detect(fs: FinalState, detector: Detector, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Particle-flow constituents (pt, eta, phi), massless, of one event seen by ``detector``."""
    pt, eta, phi = fs.pt_eta_phi()
    inside = np.abs(eta) < detector.calo_eta_max
    pt, eta, phi = pt[inside], eta[inside], phi[inside]
    pid, charge, energy = fs.pid[inside], fs.charge[inside], fs.e[inside]
    charged = charge != 0
    eff = np.where(charged, _track_efficiency(pid, pt, eta), 0.0)
    eff = np.where(pt > detector.track_pt_min, eff, 0.0)
    eff = np.where(np.abs(eta) <= detector.tracker_eta_max, eff, 0.0)
    tracked = rng.random(pt.size) < eff
    res = _track_resolution(pid, pt, eta)
    track_pt = np.where(tracked, _log_normal(rng, pt, res * pt), 0.0)
    track_e = track_pt * np.cosh(eta)
    track_sigma = np.where(tracked, res * track_e, 0.0)
    muon = pid == 13
    em = (pid == 11) | (pid == 22)
    ecal_frac = np.where(em, 1.0, np.where(np.isin(pid, (310, 3122)), 0.3, 0.0))
    ecal_frac = np.where(muon, 0.0, ecal_frac)
    hcal_frac = np.where(muon | em, 0.0, 1.0 - ecal_frac)
    # Tracks are subtracted in the calorimeter they deposit in: electrons in ECAL, hadrons in HCAL.
    ecal = ecal_frac > 0
    hcal = hcal_frac > 0
    e_pt, e_eta, e_phi = _calorimeter(
        rng, energy[ecal] * ecal_frac[ecal], eta[ecal], phi[ecal],
        np.where(em, track_e, 0.0)[ecal], np.where(em, track_sigma, 0.0)[ecal],
        _ECAL_EDGES, _ECAL_NPHI, _ecal_sigma, detector.ecal_energy_min, detector.energy_significance_min,
    )  # fmt: skip
    h_pt, h_eta, h_phi = _calorimeter(
        rng, energy[hcal] * hcal_frac[hcal], eta[hcal], phi[hcal],
        np.where(em, 0.0, track_e)[hcal], np.where(em, 0.0, track_sigma)[hcal],
        _HCAL_EDGES, _HCAL_NPHI, _hcal_sigma, detector.hcal_energy_min, detector.energy_significance_min,
    )  # fmt: skip
    return (
        np.concatenate([track_pt[tracked], e_pt, h_pt]),
        np.concatenate([eta[tracked], e_eta, h_eta]),
        np.concatenate([phi[tracked], e_phi, h_phi]),
    )
