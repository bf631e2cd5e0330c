"""Join event files made in pieces (e.g. one ``hepzoo data make`` per seed) into one file, refusing mixed recipes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.hub.integrity import sha256_file

if TYPE_CHECKING:
    from hepzoo.samples import Samples

__all__ = ["merge_files", "check_same_recipe", "recipe_differences", "RECIPE_KEYS"]

# Metadata that defines what a file's events are: pieces that differ here are different datasets.
RECIPE_KEYS = (
    "generator",
    "generator_version",
    "jet_type",
    "pythia_settings",
    "cuts",
    "detector",
    "constituent_convention",
    "geometry",
    "particle",
    "dataset",
)


def recipe_differences(meta: dict, other: dict, keys: tuple[str, ...] = RECIPE_KEYS) -> list[str]:
    """The recipe keys on which two files' metadata differ (compared as JSON, as files store them)."""
    import json

    def as_stored(value):
        return json.loads(json.dumps(value, default=str))

    return [key for key in keys if as_stored(meta.get(key)) != as_stored(other.get(key))]


def check_same_recipe(parts: Sequence[Samples], paths: Sequence[str | Path],
                      keys: Sequence[str] = RECIPE_KEYS) -> None:
    """Refuse parts whose metadata differ in one of ``keys``: together they would not be one dataset."""
    for path, part in zip(paths[1:], parts[1:]):
        for key in recipe_differences(part.meta, parts[0].meta, tuple(keys))[:1]:
            raise InvalidDataError(
                f"{path} and {paths[0]} were made with different {key!r}; they are not one dataset"
            )


def _representation_difference(rep, other) -> str:
    """``rep`` in a few words: its kind, or its kind and the fields where it differs from ``other``."""
    kind = getattr(rep, "kind", type(rep).__name__)
    if kind != getattr(other, "kind", type(other).__name__) or not attrs.has(type(rep)) or type(rep) is not type(other):
        return kind
    fields = [f.name for f in attrs.fields(type(rep)) if getattr(rep, f.name) != getattr(other, f.name)]
    return f"{kind} ({', '.join(f'{name}={str(getattr(rep, name))[:40]}' for name in fields)})"


def _events_sha256(part) -> str:
    """A digest of a part's event arrays (and mask): two parts with one digest hold the same events."""
    import hashlib

    import numpy as np

    h = hashlib.sha256()
    for array in (part.x, part.mask):
        if array is not None:
            array = np.ascontiguousarray(array)
            h.update(f"{array.dtype}{array.shape}".encode())
            h.update(array.tobytes())
    return h.hexdigest()


def merge_files(paths: list[str | Path], out: str | Path) -> Path:
    """Concatenate ``paths`` (same format, representation and recipe; distinct seeds) into ``out``, atomically.

    The merged file's metadata keeps what all parts share and lists each part (file name, sha256,
    seed, events) under ``parts``, so the merge is reproducible from the parts' own commands.
    """
    from hepzoo.data.formats import read_samples, write_samples
    from hepzoo.samples import Samples

    paths = [Path(p) for p in paths]
    if len(paths) < 2:
        raise ConfigError(f"merge needs at least two files, got {len(paths)}")
    out = Path(out)
    if any(p.resolve() == out.resolve() for p in paths if p.exists()):
        raise ConfigError(f"the output {out} is one of the inputs; write the merge to a new file")
    if len(set(p.resolve() for p in paths)) != len(paths):
        raise ConfigError("a file is given twice; each part may appear once")
    parts = [read_samples(p) for p in paths]
    first = parts[0]
    for path, part in zip(paths[1:], parts[1:]):
        if part.representation != first.representation:
            raise InvalidDataError(
                f"{path} holds {_representation_difference(part.representation, first.representation)} events, "
                f"{paths[0]} {_representation_difference(first.representation, part.representation)}; "
                "merge like with like"
            )
        if set(part.cond) != set(first.cond):
            raise InvalidDataError(
                f"{path} has conditions {sorted(part.cond)}, {paths[0]} {sorted(first.cond)}; merge like with like"
            )
    check_same_recipe(parts, paths)
    seeds = [p.meta.get("seed") for p in parts]
    known = [s for s in seeds if s is not None]
    if len(set(known)) != len(known):
        raise InvalidDataError(f"two parts were made with the same seed ({seeds}): their events would repeat")
    digests: dict[str, Path] = {}
    for path, part in zip(paths, parts):
        digest = _events_sha256(part)
        if digest in digests:
            raise InvalidDataError(
                f"{path} holds the same events as {digests[digest]}; merging would repeat them: drop one of the two"
            )
        digests[digest] = path
    shared = {k: v for k, v in first.meta.items() if all(p.meta.get(k) == v for p in parts[1:])}
    shared.pop("source", None)
    shared["parts"] = [
        {"file": path.name, "sha256": sha256_file(path), "seed": part.meta.get("seed"), "events": len(part)}
        for path, part in zip(paths, parts)
    ]
    merged = Samples.concatenate(parts)
    return write_samples(attrs.evolve(merged, meta=shared), out)

