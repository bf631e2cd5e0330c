"""High-level shower features per layer, computed with the arithmetic of the CaloChallenge's ``HighLevelFeatures.py``.

Per non-empty layer: energy, sparsity (1 - fraction of voxels > 0), radial centre of energy and
width; for layers binned in alpha also the centre of energy and width in eta = r cos(alpha) and
phi = r sin(alpha). Centres are sum(x E) / (sum E + 1e-16); widths sqrt(max(<x^2> - <x>^2, 0)).

Energies and sparsities are the same numpy reductions, on the same dtype and memory layout, as
the challenge's ``CalculateFeatures`` (CaloChallenge/homepage, ``code/HighLevelFeatures.py``):
sums stay in the showers' dtype (float32 for the challenge's files), so E_layer, E_tot and
E_tot/E_inc equal the challenge's bit for bit and fall in the same histogram bin even at a bin
edge. Centres and widths are float64 moments of the voxel coordinates, formed as its
``XMLHandler`` forms them (midpoints ``a + (b - a) / 2``), over the challenge's float32
denominators; one matrix product per layer sums them in another order than numpy's pairwise
sum, so they agree to ~1e-15 relative. (The challenge indexes its radial centres by layer id, which is off for
DS1's layers 12-14; here each layer uses its own radial bins.)
"""

from __future__ import annotations

import functools

import numpy as np

from hepzoo.data.showers.geometry import Geometry
from hepzoo.errors import InvalidDataError

__all__ = [
    "high_level_features",
    "cls_high_inputs",
    "cls_low_inputs",
    "cls_low_normed_inputs",
    "min_energy",
    "as_showers",
]

_EPS = 1e-16


def min_energy(geometry: Geometry) -> float:
    """The challenge's per-voxel readout cut [MeV]: 1 MeV for DS1, 0.5 keV / 0.033 for DS2/DS3."""
    if geometry.name.startswith("ds1") or geometry.particle in ("photon", "pion"):
        return 1.0
    return 0.5e-3 / 0.033


def as_showers(x: np.ndarray) -> np.ndarray:
    """``x`` as a C-ordered float array in its own precision (float32 stays float32), as the challenge reads it."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return np.ascontiguousarray(x)


def _midpoints(edges: np.ndarray) -> np.ndarray:
    return np.array([a + float(b - a) / 2 for a, b in zip(edges[:-1], edges[1:])])


@functools.cache
def _challenge_coords(geometry: Geometry) -> tuple[tuple[np.ndarray, ...], ...]:
    """Per layer (r, eta, phi) of its voxels, formed as ``XMLHandler``/``HighLevelFeatures`` form them."""
    out = []
    for edges, na in zip(geometry.r_edges, geometry.n_alpha):
        e = np.asarray(edges, dtype=np.float64)
        r_radial = np.array(na * [(e[i] + e[i + 1]) * 0.5 for i in range(len(e) - 1)])
        r_mid = _midpoints(e)
        alpha = _midpoints(np.linspace(-np.pi, np.pi, na + 1))
        r = np.tile(r_mid, na)
        a = np.repeat(alpha, len(r_mid))
        out.append((r_radial, r * np.cos(a), r * np.sin(a)))
    return tuple(out)


def _centres_widths(e: np.ndarray, norm: np.ndarray, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres sum(c E)/norm and widths sqrt(max(sum(c^2 E)/norm - centre^2, 0)) of each coordinate column."""
    moments = e.astype(np.float64) @ np.concatenate([coords, coords * coords], axis=1)
    k = coords.shape[1]
    centre = moments[:, :k] / norm[:, None]
    second = moments[:, k:] / norm[:, None]
    return centre, np.sqrt((second - centre**2).clip(min=0.0))


def high_level_features(x: np.ndarray, energy: np.ndarray, geometry: Geometry) -> dict[str, np.ndarray]:
    """Features of ``[N, n_voxels]`` showers (MeV) with incident ``energy`` [N] (MeV), keyed by name.

    Keys: ``E_inc``, ``E_tot``, ``E_ratio`` (E_tot/E_inc) and, with ``L`` the layer id,
    ``E_layer_L``, ``sparsity_L``, ``EC_r_L``, ``width_r_L``, plus ``EC_eta_L``, ``EC_phi_L``,
    ``width_eta_L``, ``width_phi_L`` for layers binned in alpha. Energy sums keep the showers'
    dtype, as in the challenge's code.
    """
    x = as_showers(x)
    energy = np.asarray(energy, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[1] != geometry.n_voxels or len(energy) != len(x):
        raise InvalidDataError(
            f"features need showers [N, {geometry.n_voxels}] and energies [N]; got {x.shape} and {energy.shape}"
        )
    total = x.sum(axis=-1)
    out: dict[str, np.ndarray] = {"E_inc": energy}
    coords = _challenge_coords(geometry)
    for i, lid in enumerate(geometry.layer_ids):
        e = x[:, geometry.layer_slice(i)]
        e_layer = e.sum(axis=-1)
        out[f"E_layer_{lid}"] = e_layer
        out[f"sparsity_{lid}"] = 1.0 - np.count_nonzero(e > 0, axis=-1) / e.shape[1]
        r, eta, phi = coords[i]
        alpha = geometry.n_alpha[i] > 1
        columns = np.stack([r, eta, phi] if alpha else [r], axis=1)
        centre, width = _centres_widths(e, e_layer + _EPS, columns)
        out[f"EC_r_{lid}"], out[f"width_r_{lid}"] = centre[:, 0], width[:, 0]
        if alpha:
            out[f"EC_eta_{lid}"], out[f"width_eta_{lid}"] = centre[:, 1], width[:, 1]
            out[f"EC_phi_{lid}"], out[f"width_phi_{lid}"] = centre[:, 2], width[:, 2]
    out["E_tot"] = total
    out["E_ratio"] = total / energy
    return out


def cls_high_inputs(features: dict[str, np.ndarray], geometry: Geometry) -> np.ndarray:
    """The challenge's ``cls-high`` inputs ``[N, d]`` (float64): log10 E_inc, log10 E_layer, EC/100,
    widths/100, log10 E_tot, sparsity, EC_r/100, width_r/100."""
    ids = geometry.layer_ids
    alpha_ids = [ids[i] for i in geometry.alpha_binned]
    cols = [np.log10(features["E_inc"])]
    cols += [np.log10(features[f"E_layer_{lid}"] + 1e-8) for lid in ids]
    for key in ("EC_eta", "EC_phi", "width_eta", "width_phi"):
        cols += [features[f"{key}_{lid}"] / 1e2 for lid in alpha_ids]
    cols.append(np.log10(features["E_tot"] + 1e-8))
    cols += [features[f"sparsity_{lid}"] for lid in ids]
    cols += [features[f"EC_r_{lid}"] / 1e2 for lid in ids]
    cols += [features[f"width_r_{lid}"] / 1e2 for lid in ids]
    return np.stack(cols, axis=1).astype(np.float64, copy=False)


def cls_low_inputs(x: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """The challenge's ``cls-low`` inputs: [log10 E_inc, voxels / E_inc] (float64)."""
    energy = np.asarray(energy, dtype=np.float64).reshape(-1, 1)
    return np.concatenate([np.log10(energy), as_showers(x) / energy], axis=1)


def cls_low_normed_inputs(x: np.ndarray, energy: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The challenge's ``cls-low-normed`` inputs: [log10 E_inc, voxels / E_layer, log10(E_layer + 1e-8)]."""
    x = as_showers(x)
    energy = np.asarray(energy, dtype=np.float64).reshape(-1, 1)
    layers = np.stack([x[:, geometry.layer_slice(i)].sum(axis=-1) for i in range(geometry.n_layers)], axis=1)
    per_voxel = np.repeat(layers, geometry.voxels_per_layer, axis=1)
    return np.concatenate([np.log10(energy), x / (per_voxel + _EPS), np.log10(layers + 1e-8)], axis=1)
