"""JetNet HDF5 files (arXiv:2106.11535): read and validate them, write them atomically.

Layout: ``particle_features`` [N, P, 4] = (eta_rel, phi_rel, pt_rel, mask) and ``jet_features``
[N, 4] = (pt, eta, mass, n_particles), float32, gzip-compressed, plus an optional ``metadata``
group whose attributes record versions, settings and seeds (real JetNet files have none).

Jet features when the samples carry none (an unconditional generator): NaN is not allowed, so the
writer stores the *relative* jet features of the summed massless constituents -- pt = pT_sum /
pT_jet (about 1), eta = eta of the sum in relative coordinates (about 0), mass = m / pT_jet -- and
records ``jet_features_units = "relative"`` in the metadata; reading such a file puts only
``n_particles`` into ``Samples.cond``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hepzoo.data.h5 import atomic_h5
from hepzoo.errors import InvalidDataError
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples

__all__ = ["write_jetnet", "read_jetnet", "JETNET_FEATURES", "JET_FEATURES", "relative_jet_features"]

JETNET_FEATURES = ("eta_rel", "phi_rel", "pt_rel")
JET_FEATURES = ("pt", "eta", "mass", "n_particles")
_JSON_KEYS = "_json_keys"


def relative_jet_features(x: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Relative jet pt, eta and mass (m / pT_jet) of the summed massless constituents."""
    from hepzoo.data.jets.kinematics import jet_four_vector

    e, px, py, pz = jet_four_vector(x, mask)
    pt = np.hypot(px, py)
    p = np.sqrt(pt**2 + pz**2)
    eta = np.arcsinh(np.divide(pz, pt, out=np.zeros_like(pz), where=pt > 0))
    mass = np.sqrt(np.clip(e**2 - p**2, 0.0, None))
    return {"pt": pt, "eta": eta, "mass": mass}


def _metadata_to_attrs(group: h5py.Group, meta: dict[str, Any]) -> None:
    json_keys = []
    for key, value in meta.items():
        if isinstance(value, (str, bool, int, float, np.integer, np.floating)):
            group.attrs[key] = value
        else:
            try:
                group.attrs[key] = json.dumps(value, default=str)
            except (TypeError, ValueError) as err:
                msg = f"metadata {key!r} is not JSON-serialisable ({err}); pass plain values"
                raise InvalidDataError(msg) from err
            json_keys.append(key)
    group.attrs[_JSON_KEYS] = json.dumps(json_keys)


def _attrs_to_metadata(group: h5py.Group) -> dict[str, Any]:
    json_keys = set(json.loads(group.attrs.get(_JSON_KEYS, "[]")))
    meta: dict[str, Any] = {}
    for key, value in group.attrs.items():
        if key == _JSON_KEYS:
            continue
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, np.generic):
            value = value.item()
        meta[key] = json.loads(value) if key in json_keys else value
    return meta


def write_jetnet(path: str | Path, samples: Samples, metadata: dict[str, Any] | None = None) -> Path:
    """Write point-cloud samples as a JetNet HDF5 file (atomically); return the path.

    Jet features come from ``samples.cond`` ("pt", "eta", "mass"); when any is missing, the
    relative jet features of the constituents are written instead (see the module docstring).
    ``n_particles`` always equals the mask's count. ``samples.meta`` and ``metadata`` go to the
    ``metadata`` group.
    """
    rep = samples.representation
    features = tuple(getattr(rep, "features", ()))
    if features != JETNET_FEATURES:
        raise InvalidDataError(
            f"JetNet files hold features {JETNET_FEATURES}, these samples have {features}; "
            "convert them to relative coordinates before saving"
        )
    x = np.asarray(samples.x, dtype=np.float32)
    mask = samples.mask if samples.mask is not None else (x != 0).any(axis=-1)
    mask = np.asarray(mask, dtype=bool)
    x = np.where(mask[..., None], x, 0.0).astype(np.float32)
    n_particles = mask.sum(axis=1)
    meta = {**samples.meta, **(metadata or {})}
    if all(k in samples.cond for k in ("pt", "eta", "mass")):
        jet = {k: np.asarray(samples.cond[k], dtype=np.float64) for k in ("pt", "eta", "mass")}
        meta.setdefault("jet_features_units", "GeV")
    else:
        jet = relative_jet_features(x, mask)
        meta["jet_features_units"] = "relative"
        meta["jet_features_note"] = (
            "computed from constituents: pt = pT_sum/pT_jet, eta relative, mass = m/pT_jet"
        )
    jet_features = np.stack([jet["pt"], jet["eta"], jet["mass"], n_particles], axis=1).astype(np.float32)
    if not np.isfinite(jet_features).all():
        raise InvalidDataError("jet features contain NaN or inf; drop those events or fix samples.cond")
    particle_features = np.concatenate([x, mask[..., None].astype(np.float32)], axis=-1)
    path = Path(path)
    with atomic_h5(path) as f:
        f.create_dataset("particle_features", data=particle_features, compression="gzip", chunks=True)
        f.create_dataset("jet_features", data=jet_features, compression="gzip", chunks=True)
        _metadata_to_attrs(f.create_group("metadata"), meta)
    return path


def _fail(path: Path, problem: str, fix: str) -> InvalidDataError:
    return InvalidDataError(f"{path}: {problem}; {fix}")


def read_jetnet(path: str | Path, representation: PointCloud | None = None) -> Samples:
    """Read and validate a JetNet HDF5 file (real or written by hepzoo) into Samples.

    With a ``representation`` of fewer ``max_particles`` than the file (a 150 file read as 30),
    the leading particles are kept and ``n_particles`` is clipped, as jetnet's loader does.
    """
    path = Path(path)
    if not path.exists():
        raise _fail(path, "does not exist", "check the path or generate it with 'hepzoo data make'")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise _fail(path, f"is not a readable HDF5 file ({err})", "pass a JetNet .hdf5/.h5 file") from err
    with f:
        for name in ("particle_features", "jet_features"):
            if name not in f:
                found = sorted(f.keys())
                raise _fail(path, f"has no {name!r} dataset (found {found})", "pass a JetNet-layout file")
        pf = f["particle_features"]
        jf = f["jet_features"]
        if pf.ndim != 3 or pf.shape[2] not in (3, 4):
            fix = "expected [N, P, 4] (eta_rel, phi_rel, pt_rel, mask)"
            raise _fail(path, f"particle_features has shape {pf.shape}", fix)
        if jf.ndim != 2 or jf.shape[1] != 4 or jf.shape[0] != pf.shape[0]:
            fix = f"expected [{pf.shape[0]}, 4] (pt, eta, mass, n_particles)"
            raise _fail(path, f"jet_features has shape {jf.shape}", fix)
        n_file = pf.shape[1]
        p_max = n_file if representation is None else min(representation.max_particles, n_file)
        particles = np.asarray(pf[:, :p_max], dtype=np.float32)
        jet_features = np.asarray(jf[:], dtype=np.float64)
        meta = _attrs_to_metadata(f["metadata"]) if "metadata" in f else {}
    rep = representation if representation is not None else PointCloud(max_particles=n_file)
    if tuple(rep.features) != JETNET_FEATURES:
        raise InvalidDataError(
            f"JetNet files hold {JETNET_FEATURES}; the representation asks for {rep.features}"
        )
    for name, arr in (("particle_features", particles), ("jet_features", jet_features)):
        bad = ~np.isfinite(arr)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            problem = f"{name} has {int(bad.sum())} NaN/inf values (first at {first})"
            raise _fail(path, problem, "regenerate or clean the file")
    x = particles[..., :3]
    if particles.shape[2] == 4:
        mask_col = particles[..., 3]
        if not np.isin(mask_col, (0.0, 1.0)).all():
            problem = "mask column (particle_features[..., 3]) holds values other than 0 and 1"
            raise _fail(path, problem, "fix the mask")
        mask = mask_col == 1.0
    else:  # no mask column: derive it as jetnet does (any non-zero feature is a particle)
        mask = (x != 0).any(axis=-1)
    if (x[~mask] != 0).any():
        n_bad = int((x[~mask] != 0).any(axis=-1).sum())
        problem = f"{n_bad} masked-out particles have non-zero features"
        raise _fail(path, problem, "zero the padding or fix the mask")
    n_particles = np.minimum(jet_features[:, 3], p_max).astype(np.int64)
    counts = mask.sum(axis=1)
    wrong = np.flatnonzero(counts != n_particles)
    if wrong.size:
        i = int(wrong[0])
        raise _fail(
            path,
            f"{wrong.size} jets have a mask count different from n_particles (jet {i}: mask {counts[i]}, "
            f"n_particles {int(jet_features[i, 3])} clipped to {n_particles[i]})",
            "make jet_features[:, 3] the number of real particles",
        )
    cond: dict[str, np.ndarray] = {"n_particles": n_particles}
    if meta.get("jet_features_units", "GeV") != "relative":
        cond.update(
            pt=jet_features[:, 0].astype(np.float32),
            eta=jet_features[:, 1].astype(np.float32),
            mass=jet_features[:, 2].astype(np.float32),
        )
    if "jet_type_index" in meta:
        cond["type"] = np.full(len(x), int(meta["jet_type_index"]), dtype=np.int64)
    meta["source"] = str(path)
    return Samples(x=x, representation=rep, mask=mask, cond=cond, meta=meta)
