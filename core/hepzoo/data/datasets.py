"""Registered datasets: real files when the user has them, else generated ones in a cache dir.

A dataset is a ``DatasetSpec`` registered by a plugin (the core registers JetNet and
CaloChallenge). ``load_dataset(name, split)`` returns Samples of one fixed-seed split.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np

from hepzoo.errors import InvalidDataError, ModelNotFoundError
from hepzoo.representations.base import Representation
from hepzoo.samples import Samples

__all__ = [
    "DatasetSpec",
    "SPLITS",
    "data_dir",
    "get_dataset",
    "split_indices",
    "training_split",
    "load_dataset",
    "make_dataset",
]

SPLITS = ("train", "valid", "test")


@attrs.define(frozen=True)
class DatasetSpec:
    """How to find, read and (optionally) generate one dataset.

    ``maker(n, path, seed, workers, progress) -> Path`` writes a generated file; ``recipe()`` returns
    the metadata that defines its events (generator, its version and settings, geometry; every key
    is compared) as its defaults would record it, so a cached file made with another recipe is
    refused; ``env_var`` names a variable holding the path of a real file; ``fractions`` and
    ``split_seed`` fix the train/valid/test split.
    """

    name: str
    representation: Representation
    description: str = ""
    maker: Callable[..., Path] | None = None
    recipe: Callable[[], dict] | None = None
    env_var: str | None = None
    default_size: int = 100_000
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    split_seed: int = 42


def data_dir() -> Path:
    """``$HEPZOO_DATA_DIR`` or ``~/.cache/hepzoo/data``: where generated datasets are cached."""
    root = os.environ.get("HEPZOO_DATA_DIR") or Path.home() / ".cache" / "hepzoo" / "data"
    return Path(root)


def get_dataset(name: str) -> DatasetSpec:
    from hepzoo.plugins.manager import get_registry

    entry = get_registry().get("dataset", name)
    spec = entry.load()
    return spec() if callable(spec) and not isinstance(spec, DatasetSpec) else spec


def split_indices(n: int, fractions=(0.7, 0.15, 0.15), seed: int = 42) -> dict[str, np.ndarray]:
    """A fixed-seed permutation cut into train/valid/test (JetNet's convention: seed 42)."""
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise InvalidDataError(f"split fractions must sum to 1, got {fractions}")
    perm = np.random.default_rng(seed).permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions[:-1]])
    return dict(zip(SPLITS, np.split(perm, cuts)))


def training_split(
    data: str | Path, read: Callable[[Path], Samples], max_events: int | None = None
) -> tuple[Samples, Samples]:
    """``(train, valid)`` of a file (``read``, then the fixed 70/15/15 split, seed 42) or a registered dataset.

    ``max_events`` keeps the file's first events (of a dataset: the same share of each split), for
    quick runs; every family trains on the split its cards' validation and test sets come from.
    """
    path = Path(data)
    if path.suffix in (".h5", ".hdf5") or path.exists():
        events = read(path)
        if max_events:
            events = events[:max_events]
        split = split_indices(len(events), (0.7, 0.15, 0.15), seed=42)
        return events[np.sort(split["train"])], events[np.sort(split["valid"])]
    train, valid = load_dataset(data, "train"), load_dataset(data, "valid")
    if max_events:
        train, valid = train[: int(0.7 * max_events)], valid[: int(0.15 * max_events)]
    return train, valid


def dataset_file(spec: DatasetSpec, path: str | Path | None = None) -> Path:
    """The file backing a dataset: an explicit path, the env var's, or the generated cache."""
    if path is not None:
        return Path(path)
    if spec.env_var and os.environ.get(spec.env_var):
        return Path(os.environ[spec.env_var])
    cached = data_dir() / f"{spec.name}.h5"
    if cached.exists():
        check_cached_recipe(spec, cached)
        return cached
    hint = f"set {spec.env_var} to a real file, or " if spec.env_var else ""
    maker = f"run 'hepzoo data make {spec.name} -n {spec.default_size} -o {cached}'" if spec.maker else "download it"
    raise InvalidDataError(f"dataset {spec.name!r} is not available here: {hint}{maker}")


def check_cached_recipe(spec: DatasetSpec, cached: Path) -> None:
    """Refuse a cached file whose recipe is not what ``hepzoo data make`` now makes by default (e.g. the old R = 0.8 jets)."""
    if spec.recipe is None:
        return
    import h5py

    from hepzoo.data.h5 import read_metadata
    from hepzoo.data.merge import recipe_differences

    expected = spec.recipe()
    remake = f"remake it with 'hepzoo data make {spec.name} -n {spec.default_size} -o {cached}'"
    try:
        with h5py.File(cached, "r") as f:
            meta = read_metadata(f["metadata"]) if "metadata" in f else {}
    except OSError as exc:
        raise InvalidDataError(f"the cached {cached} is not a readable HDF5 file ({exc}); {remake}") from None
    differ = recipe_differences(meta, expected, tuple(expected))
    if differ:
        raise InvalidDataError(
            f"the cached {cached} was made with another recipe (its {', '.join(map(repr, differ))} differ from "
            f"data make's default, which changed); {remake}, or pass a file made with the options you want"
        )


def load_dataset(name: str, split: str = "all", path: str | Path | None = None) -> Samples:
    """Read a dataset (optionally one split of it) as Samples in physical units."""
    if split not in (*SPLITS, "all"):
        raise InvalidDataError(f"unknown split {split!r}; use one of {SPLITS + ('all',)}")
    try:
        spec = get_dataset(name)
    except ModelNotFoundError:
        raise
    samples = spec.representation.read(dataset_file(spec, path))
    if split == "all":
        return samples
    idx = np.sort(split_indices(len(samples), spec.fractions, spec.split_seed)[split])
    return samples[idx]


def make_dataset(
    name: str,
    n: int,
    out: str | Path | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
    **options,
) -> Path:
    """Generate ``n`` events of a registered dataset into ``out`` (default: the cache).

    ``options`` go to the dataset's generator (e.g. ``e_min``/``e_max`` in MeV for showers); an
    option it does not take is an error naming the ones it does.
    """
    import inspect

    spec = get_dataset(name)
    if spec.maker is None:
        raise InvalidDataError(f"dataset {name!r} has no generator; point {spec.env_var} at the real file")
    if n <= 0:
        raise InvalidDataError(f"-n must be positive, got {n}")
    accepted = set(inspect.signature(spec.maker).parameters) - {"n", "path", "seed", "workers", "progress"}
    unknown = set(options) - accepted
    if unknown:
        raise InvalidDataError(
            f"{name} takes no option {sorted(unknown)}; its generator accepts {sorted(accepted) or 'none'}"
        )
    out = Path(out) if out is not None else data_dir() / f"{spec.name}.h5"
    out.parent.mkdir(parents=True, exist_ok=True)
    return spec.maker(n=n, path=out, seed=seed, workers=workers or 1, progress=progress, **options)
