"""Atomic HDF5 writing (a file appears whole under its name, or not at all) and metadata attributes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hepzoo.atomic import atomic_path

__all__ = ["atomic_h5", "writing", "append_rows", "as_batches", "write_metadata", "read_metadata", "numeric_dataset"]

JSON_KEYS = "_json_keys"  # the attribute naming the metadata attributes that hold JSON


@contextlib.contextmanager
def atomic_h5(path: str | Path):
    """An ``h5py.File`` open on a temporary name beside ``path``, renamed to ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        yield f


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """An OS failure while ``path`` is written (disk full, no permission) as one OutputError naming it."""
    from hepzoo.errors import HepzooError, OutputError

    try:
        yield
    except HepzooError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({getattr(exc, 'strerror', None) or exc}); {_fix_for(exc)}") from None


def _fix_for(exc: OSError) -> str:
    """The fix an OS write failure calls for: space only when the disk is full."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space or choose another location with -o"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "a folder on the way does not exist (or a link points nowhere): choose another location with -o"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "it is not writable: choose a writable location with -o"
    return "choose another location with -o"


def append_rows(group: h5py.Group, name: str, rows: np.ndarray, **create: Any) -> h5py.Dataset:
    """Append ``rows`` to the resizable dataset ``name`` (created, gzip-compressed, on the first call).

    The streaming writers' one primitive: a file grows batch by batch, so writing ``n`` events
    never holds more than one batch in memory. ``create`` passes dataset options (chunks, attrs
    are set by the caller).
    """
    rows = np.asarray(rows)
    if name not in group:
        create.setdefault("compression", "gzip")
        create.setdefault("chunks", True)
        return group.create_dataset(name, data=rows, maxshape=(None, *rows.shape[1:]), **create)
    ds = group[name]
    if ds.shape[1:] != rows.shape[1:]:
        from hepzoo.errors import InvalidDataError

        raise InvalidDataError(f"{name}: a batch of shape {rows.shape} does not continue rows of {ds.shape[1:]}")
    start = ds.shape[0]
    ds.resize(start + len(rows), axis=0)
    ds[start:] = rows
    return ds


def as_batches(samples: Any) -> Iterator[Any]:
    """One Samples as a single batch, or the batches of an iterable of Samples, as they come."""
    from hepzoo.samples import Samples

    if isinstance(samples, Samples):
        yield samples
    else:
        yield from samples


def write_metadata(group: h5py.Group, meta: dict[str, Any]) -> None:
    """``meta`` as the group's attributes: plain values as they are, the rest as JSON (keys listed)."""
    from hepzoo.errors import InvalidDataError

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
    group.attrs[JSON_KEYS] = json.dumps(json_keys)


def read_metadata(group: h5py.Group) -> dict[str, Any]:
    """The metadata ``write_metadata`` wrote, with its types; what another program wrote is kept as stored.

    Metadata only informs (real JetNet files have none), so an attribute that is not the JSON its
    ``_json_keys`` entry promises is kept as its text rather than refusing the events.
    """
    json_keys = set(_json_list(group.attrs.get(JSON_KEYS, "[]")))
    meta: dict[str, Any] = {}
    for key, value in group.attrs.items():
        if key == JSON_KEYS:
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if key in json_keys and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        meta[key] = value
    return meta


def _json_list(raw: Any) -> list[str]:
    """The ``_json_keys`` attribute as a list of names ([] if it is not a JSON list of strings)."""
    try:
        keys = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def numeric_dataset(f: h5py.Group, name: str, path: str | Path, layout: str) -> h5py.Dataset:
    """``f[name]`` if it is a dataset of numbers, else one InvalidDataError naming it and the ``layout`` expected."""
    from hepzoo.errors import InvalidDataError

    obj = f[name]
    if not isinstance(obj, h5py.Dataset):
        raise InvalidDataError(f"{path}: {name!r} is a group, not a dataset; expected {layout}")
    if obj.dtype.kind not in "biuf" or obj.shape is None:
        raise InvalidDataError(f"{path}: {name!r} holds {obj.dtype} values, not numbers; expected {layout}")
    return obj
