"""Declared per-event conditions: name, unit, kind and valid range, and the parsing of given values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from hepzoo.errors import ConfigError

__all__ = ["Condition", "KINDS", "JET_TYPE", "check_given", "check_length"]

KINDS = ("continuous", "integer", "categorical")


@attrs.define(frozen=True)
class Condition:
    """One condition a model is trained on, e.g. ``Condition("pt", "GeV", low=100, high=3000)``.

    ``kind`` is "continuous", "integer" (a multiplicity) or "categorical" (``labels``; values are
    the label's index). ``low``/``high`` bound continuous and integer values (inclusive); a
    categorical condition's range is its labels. Values are given by label ("top"; a unique
    prefix such as "t" also works) or by index.
    """

    name: str
    unit: str = ""
    kind: str = attrs.field(default="continuous")
    labels: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    low: float | None = None
    high: float | None = None
    description: str = ""

    @kind.validator
    def _check_kind(self, attribute, value) -> None:
        if value not in KINDS:
            raise ConfigError(f"condition {self.name!r}: kind {value!r} is not one of {', '.join(KINDS)}")

    def __attrs_post_init__(self) -> None:
        if (self.kind == "categorical") != bool(self.labels):
            raise ConfigError(f"condition {self.name!r}: labels are required for, and only for, kind 'categorical'")

    @property
    def discrete(self) -> bool:
        return self.kind != "continuous"

    def describe(self) -> str:
        """The valid values, for error messages and ``hepzoo info``."""
        if self.kind == "categorical":
            return f"one of {', '.join(self.labels)} (or index 0..{len(self.labels) - 1})"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        unit = f" {self.unit}" if self.unit else ""
        what = "an integer" if self.kind == "integer" else "a number"
        return f"{what} in [{lo}, {hi}]{unit}"

    def _fail(self, value: Any) -> ConfigError:
        return ConfigError(f"condition {self.name}={value!r} is invalid: give {self.describe()}")

    def parse(self, value: Any) -> float | int:
        """One given value (number, label or text from the command line) -> a checked number."""
        if isinstance(value, str):
            text = value.strip()
            if self.kind == "categorical":
                return self._label_index(text)
            try:
                value = float(text)
            except ValueError:
                raise self._fail(value) from None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(value)
        if not math.isfinite(value):
            raise self._fail(value)
        if self.discrete:
            if float(value) != int(value):
                raise self._fail(value)
            value = int(value)
            if self.kind == "categorical":
                if not 0 <= value < len(self.labels):
                    raise self._fail(value)
                return value
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise self._fail(value)
        return value

    def parse_array(self, values: Any) -> np.ndarray:
        """Per-event values (labels or numbers, 1-D) -> a checked float64 array."""
        arr = np.asarray(values)
        if arr.ndim > 1:
            raise ConfigError(
                f"condition {self.name} has shape {arr.shape}; give one value or a 1-D array of one per event"
            )
        arr = arr.reshape(-1)
        if arr.dtype.kind in "USO":
            return np.array([self.parse(v) for v in arr], dtype=np.float64)
        if arr.dtype.kind not in "iuf":  # bools, complex, bytes, dates: not values of a condition
            raise self._fail(arr[0].item() if arr.size else arr)
        arr = arr.astype(np.float64)
        bad = ~np.isfinite(arr)
        if self.discrete:
            bad |= np.isfinite(arr) & (arr != np.round(arr))
        if self.kind == "categorical":
            bad |= (arr < 0) | (arr >= len(self.labels))
        else:
            bad |= (arr < (self.low if self.low is not None else -np.inf))
            bad |= (arr > (self.high if self.high is not None else np.inf))
        if bad.any():
            raise self._fail(arr[np.argmax(bad)].item())
        return arr

    def _label_index(self, text: str) -> int:
        lowered = [label.lower() for label in self.labels]
        key = text.lower()
        if key in lowered:
            return lowered.index(key)
        if key.isascii() and key.isdigit():  # "٣".isdigit() holds too, but int() refuses it
            return self.parse(int(key))
        matches = [i for i, label in enumerate(lowered) if key and label.startswith(key)]
        if len(matches) == 1:
            return matches[0]
        raise self._fail(text)


# JetNet's jet classes in its own index order: jetnet's loader has ``JetNet.jet_types =
# ["g", "t", "q", "w", "z"]`` (jet-net/JetNet, jetnet/datasets/jetnet.py; Kansal et al.,
# arXiv:2106.11535), so g=0, t=1, q=2, w=3, z=4. The one table of jet-type indices in hepzoo.
JET_TYPE = Condition("type", kind="categorical", labels=("gluon", "top", "quark", "w", "z"), description="jet class")


def check_length(name: str, count: int, n: int) -> None:
    """Raise unless a condition given as ``count`` values fits ``n`` events (one value, or one per event)."""
    if count not in (1, n):
        raise ConfigError(f"condition {name!r} has {count} values for {n} events; give one value or {n}")


def check_given(
    conditions: tuple[Condition, ...], given: Mapping[str, Any] | None, n: int | None = None
) -> dict[str, Any]:
    """Validate the user's fixed conditions against the declared ones -> ``{name: number or [n] array}``.

    The one check of given conditions, on every path (prior or not): declared names, valid values,
    at most one dimension and, with ``n`` events, one value or ``n``.
    """
    given = dict(given or {})
    declared = {c.name: c for c in conditions}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(f"{c.name} ({c.describe()})" for c in conditions) or "nothing (unconditional)"
        raise ConfigError(f"unknown conditions {unknown}; this model is conditioned on {names}")
    out: dict[str, Any] = {}
    for name, value in given.items():
        cond = declared[name]
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().numpy()
        if np.ndim(value) == 0:
            out[name] = cond.parse(value.item() if isinstance(value, np.ndarray) else value)
        else:
            out[name] = cond.parse_array(value)
            if n is not None:
                check_length(name, len(out[name]), n)
    return out
