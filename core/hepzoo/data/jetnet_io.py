"""JetNet HDF5 files (arXiv:2106.11535): read and validate them, write them atomically.

Layout: ``particle_features`` [N, P, 4] = (eta_rel, phi_rel, pt_rel, mask) and ``jet_features``
[N, 4] = (pt [GeV], eta, mass [GeV], n_particles), float32, gzip-compressed, plus an optional
``metadata`` group whose attributes record versions, settings and seeds (real JetNet files have
none). hepzoo adds ``jet_type`` [N] (jetnet's class index g=0, t=1, q=2, w=3, z=4, ``JET_TYPE``;
its ``labels`` attribute names them) and a ``conditions`` group for any other per-event condition.

``jet_features`` is always written, so jetnet's loader (which reads it unconditionally) reads every
file: ``n_particles`` is the mask's count, and pt, eta or mass the samples do not carry (an
unconditional generator) are NaN, named in the dataset's ``unknown`` attribute -- a column the
layout defines in GeV never holds relative values. The reader treats such NaN columns as absent.
``relative_jet_features`` [N, 3] is written alongside: the summed massless constituents'
pT_sum / pT_jet (about 1), eta in relative coordinates (about 0) and m / pT_jet, named in its
``columns`` attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hepzoo.conditions import JET_TYPE
from hepzoo.data.condition_columns import read_condition_columns, write_condition_columns
from hepzoo.data.h5 import (
    append_rows,
    as_batches,
    atomic_h5,
    numeric_dataset,
    read_metadata,
    write_metadata,
    writing,
)
from hepzoo.errors import InvalidDataError
from hepzoo.masking import apply_mask
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples

__all__ = [
    "write_jetnet",
    "read_jetnet",
    "read_jetnet_batches",
    "JETNET_FEATURES",
    "JET_FEATURES",
    "RELATIVE_JET_FEATURES",
    "ABSOLUTE_JET_FEATURES",
    "relative_jet_features",
]

JETNET_FEATURES = ("eta_rel", "phi_rel", "pt_rel")
JET_FEATURES = ("pt", "eta", "mass", "n_particles")
ABSOLUTE_JET_FEATURES = JET_FEATURES[:3]
RELATIVE_JET_FEATURES = ("pt_sum_over_pt_jet", "eta_rel", "mass_over_pt_jet")


def relative_jet_features(x: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Relative jet pt, eta and mass (m / pT_jet) of the summed massless constituents."""
    from hepzoo.data.jets.kinematics import jet_four_vector

    e, px, py, pz = jet_four_vector(x, mask)
    pt = np.hypot(px, py)
    p = np.sqrt(pt**2 + pz**2)
    eta = np.arcsinh(np.divide(pz, pt, out=np.zeros_like(pz), where=pt > 0))
    mass = np.sqrt(np.clip(e**2 - p**2, 0.0, None))
    return {"pt": pt, "eta": eta, "mass": mass}


def write_jetnet(path: str | Path, samples: Samples | Iterable[Samples], metadata: dict[str, Any] | None = None) -> Path:
    """Write point-cloud samples as a JetNet HDF5 file (atomically); return the path.

    ``samples`` is one Samples or an iterable of Samples batches, appended as they come (so a
    file of any size is written holding one batch in memory; the file is opened, and its
    location checked, before the first batch is drawn). ``jet_features`` holds ``samples.cond``'s
    absolute "pt", "eta", "mass" (GeV; NaN for those it lacks) and the mask's count;
    ``relative_jet_features`` is written too (module docstring). ``cond["type"]`` goes to
    ``jet_type``, every other condition to ``conditions/<name>``. The last batch's ``meta`` and
    ``metadata`` go to the ``metadata`` group.
    """
    path = Path(path)
    with writing(path), atomic_h5(path) as f:
        meta = None
        for batch in as_batches(samples):
            meta = _append_jetnet(f, batch)
        if meta is None:
            raise InvalidDataError(f"no events to write to {path}; pass at least one batch")
        meta = {**meta, **(metadata or {})}
        meta.pop("jet_features_units", None)
        meta.pop("jet_features_note", None)
        write_metadata(f.create_group("metadata"), meta)
    return path


def _append_jetnet(f: h5py.File, samples: Samples) -> dict[str, Any]:
    """Append one batch of jets to an open JetNet file; return its meta."""
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
    x = apply_mask(x, mask).astype(np.float32)
    n_particles = mask.sum(axis=1)
    known = [k for k in ABSOLUTE_JET_FEATURES if k in samples.cond]
    unknown = [k for k in ABSOLUTE_JET_FEATURES if k not in samples.cond]
    jet = np.full((len(x), 4), np.nan, dtype=np.float64)
    for i, key in enumerate(ABSOLUTE_JET_FEATURES):
        if key in samples.cond:
            jet[:, i] = np.asarray(samples.cond[key], dtype=np.float64).reshape(len(x))
    jet[:, 3] = n_particles
    if not np.isfinite(jet[:, [i for i, k in enumerate(JET_FEATURES) if k not in unknown]]).all():
        raise InvalidDataError("jet features contain NaN or inf; drop those events or fix samples.cond")
    rel = relative_jet_features(x, mask)
    relative = np.stack([rel["pt"], rel["eta"], rel["mass"]], axis=1).astype(np.float32)
    particle_features = np.concatenate([x, mask[..., None].astype(np.float32)], axis=-1)
    first = "particle_features" not in f
    append_rows(f, "particle_features", particle_features)
    ds = append_rows(f, "jet_features", jet.astype(np.float32))
    if first:
        ds.attrs["columns"] = ",".join(JET_FEATURES)
        ds.attrs["unknown"] = ",".join(unknown)
    elif ds.attrs["unknown"] != ",".join(unknown):
        raise InvalidDataError(f"a batch carries jet features {known}, unlike the batches before it")
    ds = append_rows(f, "relative_jet_features", relative)
    if first:
        ds.attrs["columns"] = ",".join(RELATIVE_JET_FEATURES)
    if "type" in samples.cond:
        types = append_rows(f, "jet_type", np.asarray(samples.cond["type"], dtype=np.int64), compression=None, chunks=True)
        if first:
            types.attrs["labels"] = ",".join(JET_TYPE.labels)
    skip = {"n_particles", "type", *known}
    write_condition_columns(f, samples.cond, skip=skip)
    return dict(samples.meta)


def _fail(path: Path, problem: str, fix: str) -> InvalidDataError:
    return InvalidDataError(f"{path}: {problem}; {fix}")


def _read_jet_type(path: Path, dataset: h5py.Dataset, n: int) -> np.ndarray:
    """``jet_type`` as ``JET_TYPE`` indices; a file whose ``labels`` attribute orders them otherwise is remapped."""
    values = np.asarray(dataset[()], dtype=np.float64) if dataset.ndim == 1 else np.empty(0)
    if len(values) != n or not np.isfinite(values).all() or (values != np.round(values)).any():
        raise _fail(path, f"jet_type (shape {dataset.shape}) is not one integer class per jet ({n} jets)",
                    "write jetnet's class index (g=0, t=1, q=2, w=3, z=4) per jet")
    index = values.astype(np.int64)
    labels = dataset.attrs.get("labels")
    if isinstance(labels, bytes):
        labels = labels.decode("utf-8", errors="replace")
    labels = JET_TYPE.labels if labels is None else tuple(str(labels).split(","))
    if labels == JET_TYPE.labels:
        if index.size and not (0 <= index.min() and index.max() < len(labels)):
            raise _fail(path, f"jet_type holds {index.min()}..{index.max()}, outside 0..{len(labels) - 1}",
                        "write jetnet's class index (g=0, t=1, q=2, w=3, z=4)")
        return index
    unknown = sorted(set(labels) - set(JET_TYPE.labels))
    if unknown or index.size and not (0 <= index.min() and index.max() < len(labels)):
        raise _fail(path, f"jet_type labels {labels} do not fit {JET_TYPE.labels}", "rewrite jet_type")
    table = np.array([JET_TYPE.labels.index(label) for label in labels], dtype=np.int64)
    return table[index]


def read_jetnet(path: str | Path, representation: PointCloud | None = None) -> Samples:
    """Read and validate a JetNet HDF5 file (real or written by hepzoo) into Samples.

    With a ``representation`` of fewer ``max_particles`` than the file (a 150 file read as 30),
    the leading particles are kept and ``n_particles`` is clipped, as jetnet's loader does.
    """
    path = Path(path)
    with _open_jetnet(path) as f:
        layout = _JetnetLayout(path, f, representation)
        return layout.rows(f, 0, layout.n)


def read_jetnet_batches(path: str | Path, batch_size: int, representation: PointCloud | None = None) -> Iterator[Samples]:
    """The file's jets ``batch_size`` at a time, read by h5py slices: what ``read_jetnet`` returns, in pieces.

    Only one batch of particles is in memory; the per-jet columns (jet features, type, conditions)
    are read whole once, a few numbers per jet, so every batch is checked and interpreted as the
    whole file is. An empty file yields no batch.
    """
    from hepzoo.config import positive_int

    path, batch_size = Path(path), positive_int("batch_size", batch_size)
    with _open_jetnet(path) as f:
        layout = _JetnetLayout(path, f, representation)
        for start in range(0, layout.n, batch_size):
            yield layout.rows(f, start, min(start + batch_size, layout.n))


def _open_jetnet(path: Path) -> h5py.File:
    """The file open for reading; a missing or unreadable one is one InvalidDataError naming the fix."""
    if not path.exists():
        raise _fail(path, "does not exist", "check the path or generate it with 'hepzoo data make'")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise _fail(path, f"is not a readable HDF5 file ({err})", "pass a JetNet .hdf5/.h5 file") from err


class _JetnetLayout:
    """What a JetNet file holds, checked: its datasets' shapes and every per-jet column, read whole."""

    def __init__(self, path: Path, f: h5py.File, representation: PointCloud | None) -> None:
        self.path = path
        if "particle_features" not in f:
            found = sorted(f.keys())
            raise _fail(path, f"has no 'particle_features' dataset (found {found})", "pass a JetNet-layout file")
        if "jet_features" not in f and "relative_jet_features" not in f:
            found = sorted(f.keys())
            raise _fail(path, f"has no 'jet_features' dataset (found {found})", "pass a JetNet-layout file")
        pf = numeric_dataset(f, "particle_features", path, "[N, P, 4] (eta_rel, phi_rel, pt_rel, mask)")
        if pf.ndim != 3 or pf.shape[2] not in (3, 4):
            fix = "expected [N, P, 4] (eta_rel, phi_rel, pt_rel, mask)"
            raise _fail(path, f"particle_features has shape {pf.shape}", fix)
        self.n = pf.shape[0]
        jet_features = None
        if "jet_features" in f:
            jf = numeric_dataset(f, "jet_features", path, "[N, 4] (pt, eta, mass, n_particles)")
            if jf.ndim != 2 or jf.shape[1] != 4 or jf.shape[0] != pf.shape[0]:
                fix = f"expected [{pf.shape[0]}, 4] (pt, eta, mass, n_particles)"
                raise _fail(path, f"jet_features has shape {jf.shape}", fix)
            jet_features = np.asarray(jf[:], dtype=np.float64)
        n_file = pf.shape[1]
        self.p_max = n_file if representation is None else min(representation.max_particles, n_file)
        self.jet_type = None
        if "jet_type" in f:
            self.jet_type = _read_jet_type(path, numeric_dataset(f, "jet_type", path, "[N] class indices"), self.n)
        self.extra = read_condition_columns(f, n=self.n)
        self.meta = read_metadata(f["metadata"]) if "metadata" in f else {}
        self.rep = representation if representation is not None else PointCloud(max_particles=n_file)
        if tuple(self.rep.features) != JETNET_FEATURES:
            raise InvalidDataError(
                f"JetNet files hold {JETNET_FEATURES}; the representation asks for {self.rep.features}"
            )
        absent: list[int] = []  # jet_features columns that are NaN throughout: not known (module docstring)
        if jet_features is not None:
            absent = [i for i in range(3) if np.isnan(jet_features[:, i]).all() and len(jet_features)]
            _check_finite(path, "jet_features", np.delete(jet_features, absent, axis=1), 0)
        self.jet_features = jet_features
        # files written before relative features had their own dataset said so in their metadata
        relative = self.meta.get("jet_features_units", "GeV") == "relative"
        self.known = [] if jet_features is None or relative else [
            (i, key) for i, key in enumerate(ABSOLUTE_JET_FEATURES) if np.isfinite(jet_features[:, i]).all()
        ]

    def rows(self, f: h5py.File, start: int, stop: int) -> Samples:
        """Jets ``start:stop`` as Samples, their particles read and checked here."""
        path = self.path
        whole = start == 0 and stop == self.n
        among = "" if whole else f" among jets {start}..{stop - 1}"
        particles = np.asarray(f["particle_features"][start:stop, : self.p_max], dtype=np.float32)
        _check_finite(path, "particle_features", particles, start, among)
        x = particles[..., :3]
        if particles.shape[2] == 4:
            mask_col = particles[..., 3]
            if not np.isin(mask_col, (0.0, 1.0)).all():
                problem = f"mask column (particle_features[..., 3]) holds values other than 0 and 1{among}"
                raise _fail(path, problem, "fix the mask")
            mask = mask_col == 1.0
        else:  # no mask column: derive it as jetnet does (any non-zero feature is a particle)
            mask = (x != 0).any(axis=-1)
        if (x[~mask] != 0).any():
            n_bad = int((x[~mask] != 0).any(axis=-1).sum())
            problem = f"{n_bad} masked-out particles have non-zero features{among}"
            raise _fail(path, problem, "zero the padding or fix the mask")
        counts = mask.sum(axis=1)
        if self.jet_features is None:
            jet_features = np.full((len(x), 4), np.nan)
            jet_features[:, 3] = counts
        else:
            jet_features = self.jet_features[start:stop]
        n_particles = np.minimum(jet_features[:, 3], self.p_max).astype(np.int64)
        wrong = np.flatnonzero(counts != n_particles)
        if wrong.size:
            i = int(wrong[0])
            raise _fail(
                path,
                f"{wrong.size} jets{among} have a mask count different from n_particles (jet {start + i}: mask "
                f"{counts[i]}, n_particles {int(jet_features[i, 3])} clipped to {n_particles[i]})",
                "make jet_features[:, 3] the number of real particles",
            )
        cond: dict[str, np.ndarray] = {"n_particles": n_particles}
        for i, key in self.known:
            cond[key] = jet_features[:, i].astype(np.float32)
        if self.jet_type is not None:
            cond["type"] = self.jet_type[start:stop]
        elif "jet_type_index" in self.meta:
            cond["type"] = np.full(len(x), int(self.meta["jet_type_index"]), dtype=np.int64)
        cond.update({name: values[start:stop] for name, values in self.extra.items()})
        meta = {**self.meta, "source": str(path)}
        return Samples(x=x, representation=self.rep, mask=mask, cond=cond, meta=meta)


def _check_finite(path: Path, name: str, arr: np.ndarray, start: int, among: str = "") -> None:
    """Refuse NaN/inf in ``arr`` (rows from ``start`` of dataset ``name``), naming the first."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        first = (first[0] + start, *first[1:])
        problem = f"{name} has {int(bad.sum())} NaN/inf values{among} (first at {first})"
        raise _fail(path, problem, "regenerate or clean the file")
