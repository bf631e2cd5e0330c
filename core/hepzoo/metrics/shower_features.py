"""High-level shower features per layer, as the CaloChallenge's ``HighLevelFeatures.py`` defines them.

Per non-empty layer: energy, sparsity (1 - fraction of voxels > 0), radial centre of energy and
width; for layers binned in alpha also the centre of energy and width in eta = r cos(alpha) and
phi = r sin(alpha). Centres are sum(x E) / (sum E + 1e-16); widths sqrt(max(<x^2> - <x>^2, 0)).
(The challenge indexes its radial centres by layer id, which is off for DS1's layers 12-14; here
each layer uses its own radial bins.)
"""

from __future__ import annotations

import numpy as np

from hepzoo.data.showers.geometry import Geometry
from hepzoo.errors import InvalidDataError

__all__ = ["high_level_features", "cls_high_inputs", "cls_low_inputs", "cls_low_normed_inputs", "min_energy"]

_EPS = 1e-16


def min_energy(geometry: Geometry) -> float:
    """The challenge's per-voxel readout cut [MeV]: 1 MeV for DS1, 0.5 keV / 0.033 for DS2/DS3."""
    if geometry.name.startswith("ds1") or geometry.particle in ("photon", "pion"):
        return 1.0
    return 0.5e-3 / 0.033


def _centre_width(coord: np.ndarray, e: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centre = (e @ coord) / (total + _EPS)
    second = (e @ (coord * coord)) / (total + _EPS)
    return centre, np.sqrt(np.clip(second - centre**2, 0.0, None))


def high_level_features(x: np.ndarray, energy: np.ndarray, geometry: Geometry) -> dict[str, np.ndarray]:
    """Features of ``[N, n_voxels]`` showers (MeV) with incident ``energy`` [N] (MeV), keyed by name.

    Keys: ``E_inc``, ``E_tot``, ``E_ratio`` (E_tot/E_inc) and, with ``L`` the layer id,
    ``E_layer_L``, ``sparsity_L``, ``EC_r_L``, ``width_r_L``, plus ``EC_eta_L``, ``EC_phi_L``,
    ``width_eta_L``, ``width_phi_L`` for layers binned in alpha.
    """
    x = np.asarray(x)
    energy = np.asarray(energy, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[1] != geometry.n_voxels or len(energy) != len(x):
        raise InvalidDataError(
            f"features need showers [N, {geometry.n_voxels}] and energies [N]; got {x.shape} and {energy.shape}"
        )
    out: dict[str, np.ndarray] = {"E_inc": energy}
    total = np.zeros(len(x))
    for i, lid in enumerate(geometry.layer_ids):
        sl = geometry.layer_slice(i)
        e = np.asarray(x[:, sl], dtype=np.float64)
        e_layer = e.sum(axis=1)
        total += e_layer
        out[f"E_layer_{lid}"] = e_layer
        out[f"sparsity_{lid}"] = 1.0 - (e > 0).mean(axis=1)
        out[f"EC_r_{lid}"], out[f"width_r_{lid}"] = _centre_width(geometry.r_centres[sl], e, e_layer)
        if geometry.n_alpha[i] > 1:
            out[f"EC_eta_{lid}"], out[f"width_eta_{lid}"] = _centre_width(geometry.eta[sl], e, e_layer)
            out[f"EC_phi_{lid}"], out[f"width_phi_{lid}"] = _centre_width(geometry.phi[sl], e, e_layer)
    out["E_tot"] = total
    out["E_ratio"] = total / energy
    return out


def cls_high_inputs(features: dict[str, np.ndarray], geometry: Geometry) -> np.ndarray:
    """The challenge's ``cls-high`` inputs ``[N, d]``: log10 E_inc, log10 E_layer, EC/100, widths/100,
    log10 E_tot, sparsity, EC_r/100, width_r/100."""
    ids = geometry.layer_ids
    alpha_ids = [ids[i] for i in geometry.alpha_binned]
    cols = [np.log10(features["E_inc"])]
    cols += [np.log10(features[f"E_layer_{lid}"] + 1e-8) for lid in ids]
    for key in ("EC_eta", "EC_phi", "width_eta", "width_phi"):
        cols += [features[f"{key}_{lid}"] / 100.0 for lid in alpha_ids]
    cols.append(np.log10(features["E_tot"] + 1e-8))
    cols += [features[f"sparsity_{lid}"] for lid in ids]
    cols += [features[f"EC_r_{lid}"] / 100.0 for lid in ids]
    cols += [features[f"width_r_{lid}"] / 100.0 for lid in ids]
    return np.stack(cols, axis=1)


def cls_low_inputs(x: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """The challenge's ``cls-low`` inputs: [log10 E_inc, voxels / E_inc]."""
    energy = np.asarray(energy, dtype=np.float64).reshape(-1, 1)
    return np.concatenate([np.log10(energy), np.asarray(x, dtype=np.float64) / energy], axis=1)


def cls_low_normed_inputs(x: np.ndarray, energy: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The challenge's ``cls-low-normed`` inputs: [log10 E_inc, voxels / E_layer, log10(E_layer + 1e-8)]."""
    x = np.asarray(x, dtype=np.float64)
    energy = np.asarray(energy, dtype=np.float64).reshape(-1, 1)
    layers = np.stack([x[:, geometry.layer_slice(i)].sum(axis=1) for i in range(geometry.n_layers)], axis=1)
    per_voxel = np.repeat(layers, geometry.voxels_per_layer, axis=1)
    return np.concatenate([np.log10(energy), x / (per_voxel + _EPS), np.log10(layers + 1e-8)], axis=1)
