"""What one sample is, as data: validation and the community file format of each kind."""

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

    @abc.abstractmethod
    def write(self, samples: Samples, path: Path) -> Path:
        """Write samples atomically in the community format; return the path."""

    @abc.abstractmethod
    def read(self, path: Path) -> Samples:
        """Read a community-format file into Samples (validated)."""


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise if ``array`` holds NaN or inf, saying where the first one is."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidDataError(
            f"{name} contains {int(bad.sum())} non-finite values (first at index {first}); "
            "clean or drop those events before using them"
        )
