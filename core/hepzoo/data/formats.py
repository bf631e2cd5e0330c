"""Read and write event files in whichever registered format fits (JetNet, CaloChallenge, tabular, plugins')."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from hepzoo.errors import ConfigError, InvalidDataError

if TYPE_CHECKING:
    from hepzoo.representations.base import Representation
    from hepzoo.samples import Samples

__all__ = ["read_samples", "write_samples"]


def read_samples(path: str | Path, representation: Representation | None = None) -> Samples:
    """Read a file whose HDF5 datasets identify a registered format.

    ``representation`` reads it as that representation (e.g. a JetNet150 file as 30 particles),
    for readers that take it; other readers' samples must then have exactly it.
    """
    import h5py

    from hepzoo.plugins.manager import get_registry
    from hepzoo.registry import import_target

    path = Path(path)
    registry = get_registry()
    known = " or ".join(f"{s.name} ({', '.join(s.keys)})" for s in registry.formats())
    if not path.exists():
        raise InvalidDataError(f"{path} does not exist; pass a file in a known format: {known}")
    try:
        with h5py.File(path, "r") as f:
            keys = set(f.keys())
    except OSError as err:
        raise InvalidDataError(f"{path} is not a readable HDF5 file ({err})") from err
    spec = registry.format_for_keys(keys)
    if spec is None:
        raise InvalidDataError(f"{path} is in no known format ({known}); it holds {sorted(keys)}")
    if representation is None:
        return spec.read(path)
    if spec.representation != representation.kind:
        raise InvalidDataError(f"{path} is a {spec.name} file of {spec.representation} events, not {representation.kind}")
    reader = import_target(spec.reader)
    if "representation" in inspect.signature(reader).parameters:
        return reader(path, representation=representation)
    samples = reader(path)
    if samples.representation != representation:
        raise InvalidDataError(f"{path} holds {samples.representation}, not {representation}")
    return samples


def write_samples(
    samples: Samples | Iterable[Samples],
    path: str | Path,
    format: str | None = None,
    representation: Representation | None = None,
) -> Path:
    """Write ``samples`` in ``format`` (a registered name), or the one registered for their representation.

    ``samples`` may be an iterable of Samples batches (e.g. ``Model.sample_batches``), given with
    their ``representation``: a streaming format appends them as they come, holding one batch in
    memory, and opens the file (checking the location) before the first batch is drawn.
    """
    from hepzoo.plugins.manager import get_registry
    from hepzoo.samples import Samples

    registry = get_registry()
    if not isinstance(samples, Samples) and representation is None:
        raise ConfigError("write_samples of batches needs their representation=")
    kind = (samples.representation if isinstance(samples, Samples) else representation).kind
    if format is not None:
        spec = registry.get("format", format).extra["spec"]
        if spec.representation != kind:
            raise ConfigError(f"format {format!r} holds {spec.representation} samples, not {kind}")
    else:
        writable = [s for s in registry.formats(kind) if s.writer]
        if not writable:
            raise ConfigError(f"no registered file format writes {kind} samples; register one (FormatSpec)")
        if len(writable) > 1:
            names = ", ".join(s.name for s in writable)
            raise ConfigError(f"{kind} samples can be written as {names}; pass format=")
        spec = writable[0]
    if not isinstance(samples, Samples) and not spec.streaming:
        samples = Samples.concatenate(list(samples))  # this format cannot append: join the batches
    return Path(spec.write(Path(path), samples))
