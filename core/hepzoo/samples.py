"""What ``Model.sample`` returns: physical arrays, their mask and conditions, savable to file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from hepzoo.errors import ConfigError

if TYPE_CHECKING:
    from hepzoo.representations.base import Representation

__all__ = ["Samples"]


@attrs.define(eq=False)
class Samples:
    """A batch of generated (or read) events in physical units.

    ``x`` is ``[N, P, F]`` for point clouds, ``[N, V]`` for voxel showers, ``[N, C]`` for
    tables; ``mask`` is ``[N, P]`` (bool) for point clouds; ``cond`` holds per-event conditions
    (e.g. jet ``pt``/``mass``/``n_particles``, shower ``energy``) as ``[N]`` arrays.
    """

    x: np.ndarray
    representation: Representation
    mask: np.ndarray | None = None
    cond: dict[str, np.ndarray] = attrs.field(factory=dict)
    meta: dict[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.representation.validate(self.x, self.mask)
        for key, value in self.cond.items():
            if len(value) != len(self.x):
                raise ValueError(f"condition {key!r} has {len(value)} rows, samples have {len(self.x)}")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index) -> Samples:
        if isinstance(index, int):
            index = slice(index, index + 1)
        return Samples(
            x=self.x[index],
            representation=self.representation,
            mask=None if self.mask is None else self.mask[index],
            cond={k: v[index] for k, v in self.cond.items()},
            meta=dict(self.meta),
        )

    def numpy(self) -> dict[str, np.ndarray]:
        """Plain arrays: ``x``, ``mask`` (if any) and one entry per condition."""
        out = {"x": self.x}
        if self.mask is not None:
            out["mask"] = self.mask
        out.update(self.cond)
        return out

    def save(self, path: str | Path, format: str | None = None) -> Path:
        """Write in the community format registered for the representation (JetNet / CaloChallenge HDF5)."""
        from hepzoo.data.formats import write_samples

        return write_samples(self, path, format=format)

    @staticmethod
    def concatenate(parts: list[Samples]) -> Samples:
        """Join batches made by the same representation."""
        if not parts:
            raise ConfigError("nothing to concatenate: pass at least one Samples")
        first = parts[0]
        keys = set(first.cond)
        return Samples(
            x=np.concatenate([p.x for p in parts]),
            representation=first.representation,
            mask=None if first.mask is None else np.concatenate([p.mask for p in parts]),
            cond={k: np.concatenate([p.cond[k] for p in parts]) for k in keys},
            meta=dict(first.meta),
        )
