"""Refuse a config.json whose network is far bigger than its weights (or the machine) before torch allocates it.

A config valid in type may still ask for ``hidden: 2**40`` or a million layers; building it
would fail deep in torch (or swap the machine to death). ``allocation_budget`` watches every
tensor the family's constructor creates from nothing (parameters, buffers) and stops the build,
before the allocation, once it would exceed what the weights file holds (with room for
temporaries) or the machine's memory. No family code is needed: any network is checked the same way.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from hepzoo.errors import ConfigError, IntegrityError

__all__ = ["WeightsSummary", "weights_summary", "machine_memory", "allocation_budget", "budget_for"]

SLACK_BYTES = 256 * 2**20  # temporaries and non-persistent buffers a constructor may make beyond its weights
SLACK_TENSORS = 256


@attrs.define(frozen=True)
class WeightsSummary:
    """What a safetensors file holds, read from its header alone: bytes on disk, tensor count, largest dimension."""

    nbytes: int
    tensors: int
    max_dim: int


def weights_summary(path: str | Path) -> WeightsSummary:
    """The sizes in ``path``'s safetensors header (no tensor is loaded); an unreadable file is an IntegrityError."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            shapes = [f.get_slice(key).get_shape() for key in f.keys()]
        nbytes = path.stat().st_size
    except (SafetensorError, OSError, ValueError) as exc:
        raise IntegrityError(f"{path} is not a readable safetensors file ({exc}); download it again") from None
    return WeightsSummary(nbytes, len(shapes), max((d for s in shapes for d in s), default=0))


def machine_memory() -> int | None:
    """This machine's physical memory in bytes (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def budget_for(weights: WeightsSummary | None) -> tuple[int | None, int | None]:
    """``(max_bytes, max_tensors)`` a build may create: twice the weights plus slack, never more than the machine has."""
    memory = machine_memory()
    if weights is None:
        return memory, None
    nbytes = 2 * weights.nbytes + SLACK_BYTES
    return (nbytes if memory is None else min(nbytes, memory)), 2 * weights.tensors + SLACK_TENSORS


class _Exceeded(Exception):
    """A build went past its budget; ``shape`` is the allocation that would have (None: too many tensors)."""

    def __init__(self, shape: tuple[int, ...] | None, total: int, reason: str) -> None:
        super().__init__(reason)
        self.shape, self.total, self.reason = shape, total, reason


def _holds_tensor(value: Any) -> bool:
    import torch

    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return False


def _is_int(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _requested_shape(func: Any, args: tuple) -> tuple[int, ...]:
    """The shape a factory op (no tensor inputs) will allocate, from its arguments alone."""
    name = func.__name__ if hasattr(func, "__name__") else str(func)
    if name.startswith("arange"):
        start, end, step = (0, args[0], 1) if len(args) == 1 else (*args[:2], args[2] if len(args) > 2 else 1)
        try:
            return (max(0, math.ceil((float(end) - float(start)) / float(step))),)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return ()
    if name.startswith(("linspace", "logspace")) and len(args) > 2 and _is_int(args[2]):
        return (int(args[2]),)
    for value in args:
        if isinstance(value, (list, tuple)) and all(_is_int(v) for v in value):
            return tuple(int(v) for v in value)
    return ()


@contextlib.contextmanager
def _watch(max_bytes: int | None, max_tensors: int | None) -> Iterator[None]:
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    class Budget(TorchDispatchMode):
        total = 0  # bytes and tensors created from nothing so far
        count = 0

        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False  # torch would import torch._dynamo (seconds) to shield a mode nothing compiles under

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            device = kwargs.get("device")
            if not _holds_tensor(args) and not _holds_tensor(list(kwargs.values())) and \
                    getattr(device, "type", device) != "meta":
                shape = _requested_shape(func, args)
                dtype = kwargs.get("dtype") or torch.get_default_dtype()
                nbytes = math.prod(shape) * dtype.itemsize
                self.count += 1
                if max_bytes is not None and self.total + nbytes > max_bytes:
                    raise _Exceeded(shape, self.total + nbytes, f"more than {_shown_bytes(max_bytes)}")
                if max_tensors is not None and self.count > max_tensors:
                    raise _Exceeded(None, self.total, f"more than {max_tensors:,} tensors")
                self.total += nbytes
            return func(*args, **kwargs)

    with Budget():
        yield


def _shown_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _int_leaves(data: Any, path: str) -> Iterator[tuple[str, int]]:
    """``(dotted key, value)`` of every integer in a config's JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _int_leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _int_leaves(value, f"{path}[{i}]")
    elif _is_int(data):
        yield path, int(data)


def _suspects(config: dict, exceeded: _Exceeded, weights: WeightsSummary | None) -> list[tuple[str, int]]:
    """The config keys to blame: those sizing the allocation that broke the budget, else those no weights explain."""
    leaves = [(k, v) for k, v in _int_leaves(config, "") if v > 1]
    if exceeded.shape:
        biggest = max(exceeded.shape)
        named = [(k, v) for k, v in leaves if v == biggest]
        if named:
            return named
    if weights is not None:
        beyond = [(k, v) for k, v in leaves if v > max(weights.max_dim, weights.tensors)]
        if beyond:
            return beyond
    return sorted(leaves, key=lambda kv: -kv[1])[:3]


@contextlib.contextmanager
def allocation_budget(config: dict, where: str, weights: WeightsSummary | None = None,
                      weights_name: str = "the weights file") -> Iterator[None]:
    """Build a network inside this block: past its budget (``budget_for``) it stops with one ConfigError naming keys.

    ``config`` is the JSON the network is built from (its integer keys are what the error
    names); ``where`` names that file.
    """
    max_bytes, max_tensors = budget_for(weights)
    try:
        with _watch(max_bytes, max_tensors):
            yield
    except _Exceeded as exceeded:
        keys = ", ".join(f"{k}={v:,}" for k, v in _suspects(config, exceeded, weights)) or "its sizes"
        if weights is None:
            raise ConfigError(
                f"{where}: the network it describes needs {exceeded.reason}, more memory than this machine has "
                f"({keys}); correct those sizes in that file"
            ) from None
        raise ConfigError(
            f"{where}: the network it describes needs {exceeded.reason}, but {weights_name} holds "
            f"{_shown_bytes(weights.nbytes)} in {weights.tensors:,} tensors, which do not fit {keys}: "
            "restore the config.json the weights were saved with"
        ) from None
