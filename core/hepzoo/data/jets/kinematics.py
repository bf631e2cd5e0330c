"""Jet kinematics shared by the jet families: relative coordinates, summed 4-vectors, jet mass."""

from __future__ import annotations

import numpy as np

__all__ = ["wrap_phi", "to_relative", "jet_four_vector", "jet_mass", "jet_pt", "center_on_pt_centroid"]


def wrap_phi(phi: np.ndarray) -> np.ndarray:
    """Wrap azimuthal angles into [-pi, pi)."""
    return (np.asarray(phi) + np.pi) % (2 * np.pi) - np.pi


def to_relative(
    eta: np.ndarray, phi: np.ndarray, pt: np.ndarray, jet_eta: float, jet_phi: float, jet_pt: float
) -> np.ndarray:
    """Constituents to JetNet's (eta_rel, phi_rel, pt_rel) (arXiv:2106.11535): ``[n, 3]``."""
    return np.stack([eta - jet_eta, wrap_phi(phi - jet_phi), pt / jet_pt], axis=-1)


def jet_four_vector(x: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """(E, px, py, pz) of the summed massless constituents of ``x`` [..., P, 3] (eta, phi, pt).

    Relative coordinates give the jet 4-vector in units of pT_jet, as jetnet's ``jet_features``.
    """
    x = np.asarray(x, dtype=np.float64)
    eta, phi, pt = x[..., 0], x[..., 1], x[..., 2]
    if mask is not None:
        pt = np.where(mask, pt, 0.0)
    px = (pt * np.cos(phi)).sum(-1)
    py = (pt * np.sin(phi)).sum(-1)
    pz = (pt * np.sinh(eta)).sum(-1)
    e = (pt * np.cosh(eta)).sum(-1)
    return e, px, py, pz


def jet_mass(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Invariant mass of the summed massless constituents (m / pT_jet for relative inputs)."""
    e, px, py, pz = jet_four_vector(x, mask)
    return np.sqrt(np.clip(e**2 - px**2 - py**2 - pz**2, 0.0, None))


def jet_pt(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Transverse momentum of the summed constituents (about 1 for relative inputs)."""
    _, px, py, _ = jet_four_vector(x, mask)
    return np.hypot(px, py)


def center_on_pt_centroid(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Shift eta_rel/phi_rel so each jet's pT-weighted centroid is at 0 (padding stays zero).

    Not the jet axis of the summed 4-vectors (EPiC-GAN's ``center_jets``): the two differ at large
    angles and where phi wraps.
    """
    x = np.array(x, dtype=np.float64)
    w = np.where(mask, x[..., 2], 0.0)
    total = w.sum(-1, keepdims=True)
    total[total == 0] = 1.0
    for i in (0, 1):
        centroid = (w * x[..., i]).sum(-1, keepdims=True) / total
        x[..., i] = np.where(mask, x[..., i] - centroid, 0.0)
    return x.astype(np.float32)
