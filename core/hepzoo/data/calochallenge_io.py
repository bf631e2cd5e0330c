"""CaloChallenge HDF5 files: ``incident_energies`` [N, 1] and ``showers`` [N, n_voxels], in MeV.

The layout is the one the challenge's ``code/evaluate.py`` reads (CaloChallenge/homepage): both
datasets at the file root, gzip-compressed, incident energies float64 as in the official files
(its classifier modes need that dtype); hepzoo adds an optional ``metadata`` group (attributes
of ``hepzoo.data.h5.write_metadata``) and a ``conditions`` group for any other per-event
condition, which the challenge's reader ignores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from hepzoo.data.condition_columns import read_condition_columns, write_condition_columns
from hepzoo.data.h5 import (
    JSON_KEYS,
    append_rows,
    as_batches,
    atomic_h5,
    numeric_dataset,
    read_metadata,
    write_metadata,
    writing,
)
from hepzoo.errors import ConfigError, InvalidDataError

if TYPE_CHECKING:
    from hepzoo.representations.voxel import Voxel
    from hepzoo.samples import Samples

__all__ = ["write_calochallenge", "read_calochallenge", "create_calochallenge", "METADATA_GROUP"]

METADATA_GROUP = "metadata"


def _showers_chunks(n: int, n_voxels: int) -> tuple[int, int]:
    rows = max(1, min(n, (1 << 20) // max(n_voxels, 1)))  # about 4 MiB of float32 per chunk
    return (rows, n_voxels)


def create_calochallenge(f: h5py.File, n: int, n_voxels: int, meta: dict[str, Any] | None = None):
    """Create empty ``incident_energies``/``showers`` datasets in an open file (for chunked writers)."""
    if n < 1:
        raise InvalidDataError(f"a CaloChallenge file needs at least one shower; got n={n}")
    energies = f.create_dataset("incident_energies", shape=(n, 1), dtype="float64", compression="gzip")
    showers = f.create_dataset(
        "showers",
        shape=(n, n_voxels),
        dtype="float32",
        compression="gzip",
        chunks=_showers_chunks(n, n_voxels),
    )
    _write_meta(f, meta)
    return energies, showers


def _write_meta(f: h5py.File, meta: dict[str, Any] | None) -> None:
    if meta:  # the jets' convention, so one reader (read_metadata) checks every cached dataset's recipe
        write_metadata(f.create_group(METADATA_GROUP), meta)


def write_calochallenge(
    path: str | Path, samples: Samples | Iterable[Samples], meta: dict[str, Any] | None = None
) -> Path:
    """Write voxel Samples (``cond["energy"]`` in MeV) as a CaloChallenge HDF5 file, atomically.

    ``samples`` is one Samples or an iterable of batches, appended as they come (one batch in
    memory at a time); the last batch's ``meta`` and ``meta`` go to the metadata group.
    """
    path = Path(path)
    with writing(path), atomic_h5(path) as f:
        last = None
        for batch in as_batches(samples):
            last = batch
            if "energy" not in batch.cond:
                raise InvalidDataError(
                    "CaloChallenge files need the incident energy per shower: pass cond={'energy': E_MeV} in Samples"
                )
            x = np.asarray(batch.x, dtype=np.float32)
            append_rows(f, "incident_energies", np.asarray(batch.cond["energy"], dtype=np.float64).reshape(-1, 1))
            append_rows(f, "showers", x, chunks=_showers_chunks(len(x), x.shape[1]))
            write_condition_columns(f, batch.cond, skip=("energy",))
        if last is None:
            raise InvalidDataError(f"a CaloChallenge file needs at least one shower; none for {path}")
        meta = {**last.meta, **(meta or {})}
        meta.setdefault("geometry", getattr(last.representation, "name", ""))
        _write_meta(f, meta)
    return path


def _read_meta(f: h5py.File) -> dict[str, Any]:
    if METADATA_GROUP not in f:
        return {}
    group = f[METADATA_GROUP]
    if JSON_KEYS in group.attrs:
        return read_metadata(group)
    out = {}  # written before write_metadata was used here (every attribute JSON text), or by another program
    for key, value in group.attrs.items():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):  # not JSON text (another writer's attribute): kept as stored
            out[key] = value
    return out


def read_calochallenge(
    path: str | Path, representation: Voxel | None = None, start: int = 0, stop: int | None = None
) -> Samples:
    """Read a CaloChallenge HDF5 file (rows ``start:stop``) as voxel Samples in MeV.

    Without ``representation`` the geometry is inferred from the voxel count (368 / 533 / 6480
    / 40500 for DS1 photons / DS1 pions / DS2 / DS3).
    """
    from hepzoo.data.showers.geometry import geometry_for_voxels
    from hepzoo.representations.voxel import Voxel
    from hepzoo.samples import Samples

    path = Path(path)
    if not path.is_file():
        raise InvalidDataError(f"CaloChallenge file {path} does not exist; check the path")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise InvalidDataError(
            f"{path} is not a readable HDF5 file ({exc}); re-download or regenerate it"
        ) from None
    with f:
        missing = [k for k in ("incident_energies", "showers") if k not in f]
        if missing:
            raise InvalidDataError(
                f"{path} is not a CaloChallenge file: it lacks {missing} (it has {sorted(f.keys())}); "
                "expected datasets 'incident_energies' [N, 1] and 'showers' [N, n_voxels]"
            )
        e_ds = numeric_dataset(f, "incident_energies", path, "[N, 1] incident energies in MeV")
        s_ds = numeric_dataset(f, "showers", path, "[N, n_voxels] energies in MeV")
        if s_ds.ndim != 2 or e_ds.ndim not in (1, 2) or e_ds.shape[0] != s_ds.shape[0] or e_ds.size != e_ds.shape[0]:
            raise InvalidDataError(
                f"{path}: 'incident_energies' {e_ds.shape} and 'showers' {s_ds.shape} must be [N, 1] and "
                "[N, n_voxels] with the same N"
            )
        if representation is None:
            try:
                representation = Voxel.from_geometry(geometry_for_voxels(s_ds.shape[1]))
            except ConfigError as exc:
                raise InvalidDataError(f"{path}: {exc}") from None
        elif s_ds.shape[1] != representation.n_voxels:
            raise InvalidDataError(
                f"{path} has {s_ds.shape[1]} voxels per shower but geometry {representation.name!r} has "
                f"{representation.n_voxels}; read it with the matching geometry"
            )
        sel = slice(start, stop)
        x = np.asarray(s_ds[sel], dtype=np.float32)
        energy = np.asarray(e_ds[sel], dtype=np.float64).reshape(-1)
        extra = read_condition_columns(f, sel, n=len(x))
        meta = _read_meta(f)
    if not np.isfinite(energy).all() or (energy <= 0).any():
        raise InvalidDataError(f"{path}: incident energies must be finite and > 0 MeV")
    if not np.isfinite(x).all():
        raise InvalidDataError(f"{path}: showers hold {int((~np.isfinite(x)).sum())} NaN/inf voxels; regenerate or clean the file")
    meta["source"] = str(path)
    return Samples(x=x, representation=representation, cond={"energy": energy, **extra}, meta=meta)
