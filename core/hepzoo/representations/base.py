"""What one sample is, as data: its validation (files: the formats registered in ``hepzoo.data.formats``)."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hepzoo.errors import InvalidDataError

if TYPE_CHECKING:
    from hepzoo.samples import Samples

__all__ = ["Representation", "check_finite"]


class Representation(abc.ABC):
    """Abstract event representation (subclasses are attrs classes: their fields are the config)."""

    kind: ClassVar[str]

    @abc.abstractmethod
    def validate(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Raise InvalidDataError naming the problem if ``x``/``mask`` do not fit."""

    def write(self, samples: Samples, path: Path) -> Path:
        """Write samples atomically in the file format registered for this kind; return the path."""
        from hepzoo.data.formats import write_samples  # formats depend on representations, not the reverse

        return write_samples(samples, path)

    def read(self, path: Path) -> Samples:
        """Read a file in a registered format as this representation (validated)."""
        from hepzoo.data.formats import read_samples

        return read_samples(path, representation=self)


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise if ``array`` holds NaN or inf, saying where the first one is."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidDataError(
            f"{name} contains {int(bad.sum())} non-finite values (first at index {first}); "
            "clean or drop those events before using them"
        )
